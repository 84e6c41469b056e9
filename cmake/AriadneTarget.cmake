# The architecture this build compiles for, and the compile options every
# project target gets.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(ARIADNE_ARCH aarch64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(ARIADNE_ARCH x86_64)
else()
  message(FATAL_ERROR "Ariadne builds for aarch64 or x86_64, not '${CMAKE_SYSTEM_PROCESSOR}'")
endif()
message(STATUS "Ariadne: building for ${ARIADNE_ARCH} (${CMAKE_BUILD_TYPE})")

# Project code is warning-free; third-party headers come in as SYSTEM.
function(ariadne_defaults target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C,CXX>:-Wall -Wextra -Werror>
    $<$<COMPILE_LANGUAGE:ASM>:-Wa,--fatal-warnings>)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
endfunction()

# The flags that make a program instrumentable, defined once: `ariadne flags`
# prints these (compiled into src/arch/Isa.cpp) and ariadne_instrument() applies
# them to the project's own examples and test programs.
#   AArch64: 2 NOPs, as arm64 ftrace (mov x9,x30 written once + live NOP<->BL).
#   x86-64: 5 bytes for a call rel32.
# Frame pointers keep the call stacks the analysis tools print cheap and exact.
set(ARIADNE_INSTRUMENT_CFLAGS_aarch64 "-fpatchable-function-entry=2 -fno-omit-frame-pointer")
set(ARIADNE_INSTRUMENT_CFLAGS_x86_64 "-fpatchable-function-entry=5 -fno-omit-frame-pointer")
set(ARIADNE_INSTRUMENT_LDFLAGS "-Wl,--build-id")

function(ariadne_instrument target)
  separate_arguments(cflags UNIX_COMMAND "${ARIADNE_INSTRUMENT_CFLAGS_${ARIADNE_ARCH}}")
  separate_arguments(ldflags UNIX_COMMAND "${ARIADNE_INSTRUMENT_LDFLAGS}")
  target_compile_options(${target} PRIVATE ${cflags})
  target_link_options(${target} PRIVATE ${ldflags})
endfunction()

# `ariadne flags --replayable` adds these: GCC calls __sanitizer_cov_trace_pc()
# at every basic block, a tick in a replayable run, so that loops with no
# calls reach the baton's hand-offs (docs/replay.md, "Loops with no calls").
# The program links libariadne-cov.so (src/replay: an empty definition), so
# that it runs without Ariadne too.
set(ARIADNE_REPLAYABLE_CFLAGS "-fsanitize-coverage=trace-pc")

# ariadne_instrument() and the flags above: what `ariadne flags --replayable` prints.
function(ariadne_replayable target)
  ariadne_instrument(${target})
  separate_arguments(cflags UNIX_COMMAND "${ARIADNE_REPLAYABLE_CFLAGS}")
  target_compile_options(${target} PRIVATE ${cflags})
  target_link_libraries(${target} PRIVATE ariadne_cov)
endfunction()
