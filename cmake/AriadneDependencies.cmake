# Third-party libraries (docs/dependencies.md says why each is here). In the
# AArch64 presets they are the :arm64 multiarch packages.
# (libelf is found in the top-level CMakeLists.txt: the runtime needs it.)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
