# One `ariadne` launches programs of either architecture, so the host build
# also builds libariadne-rt.so for the foreign architecture (a sub-build of this
# same source tree with ARIADNE_RT_ONLY, through the cross toolchain file).
# The result sits beside the host's own runtime: <build>/lib/<arch>/.
include(ExternalProject)
if(ARIADNE_ARCH STREQUAL "x86_64")
  find_program(ARIADNE_CROSS_CXX aarch64-linux-gnu-g++)
  if(ARIADNE_CROSS_CXX)
    ExternalProject_Add(runtime-aarch64
      SOURCE_DIR ${PROJECT_SOURCE_DIR}
      BINARY_DIR ${CMAKE_BINARY_DIR}/runtime-aarch64
      CMAKE_ARGS
        -G Ninja
        -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/aarch64-linux-gnu.cmake
        -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
        -DARIADNE_RT_ONLY=ON
        -DARIADNE_RT_OUTPUT_DIR=${CMAKE_BINARY_DIR}/lib/aarch64
      BUILD_ALWAYS ON
      INSTALL_COMMAND ""
      BUILD_BYPRODUCTS ${CMAKE_BINARY_DIR}/lib/aarch64/libariadne-rt.so ${CMAKE_BINARY_DIR}/lib/aarch64/libariadne-replay.so
        ${CMAKE_BINARY_DIR}/lib/aarch64/libariadne-cov.so)
    set(ARIADNE_FOREIGN_ARCHES aarch64)
  else()
    message(WARNING "aarch64-linux-gnu-g++ not found: this `ariadne` will not launch AArch64 programs (run scripts/setup)")
  endif()
endif()
