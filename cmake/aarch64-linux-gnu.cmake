# Cross toolchain: Debian's aarch64-linux-gnu-g++ with the :arm64 multiarch
# libraries under /usr/lib/aarch64-linux-gnu. Tests run under qemu-aarch64
# WITHOUT -L: with multiarch packages installed, "-L /usr/aarch64-linux-gnu"
# hangs any program that creates a thread (docs/building.md).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)

find_program(ARIADNE_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${ARIADNE_QEMU_AARCH64})

# Packages are found in the multiarch directories, never in the host's.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
