# Third-party libraries (docs/dependencies.md says why each is here). In the
# AArch64 presets they are the :arm64 multiarch packages.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
