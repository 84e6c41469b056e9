# -DARIADNE_SANITIZE=address|thread builds everything with that sanitizer
# (the fiber scheduler tells ASan/TSan about its stack switches itself,
# src/fiber/SwitchHooks.hpp). tests/sched/sanitizers.sh uses it.
set(ARIADNE_SANITIZE "" CACHE STRING "Sanitizer for the whole build: address, thread or empty")
if(ARIADNE_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address)
elseif(ARIADNE_SANITIZE STREQUAL "thread")
  # -Wno-tsan: the runtime's patching code fences with atomic_thread_fence,
  # which TSan does not model (GCC warns, and -Werror stops the build); the
  # scheduler tests with preemption on link the runtime (sanitizers.sh).
  add_compile_options(-fsanitize=thread -Wno-tsan)
  add_link_options(-fsanitize=thread)
elseif(NOT ARIADNE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "ARIADNE_SANITIZE must be address, thread or empty, not '${ARIADNE_SANITIZE}'")
endif()

# The runtime's own code (what libariadne-rt.so and libariadne-replay.so are
# made of) is never instrumented by a sanitizer: it runs inside signal
# handlers, before any constructor (its sigaction interposer is called by
# TSan's own initialisation, when TSan's per-thread state does not exist
# yet), and on stacks the sanitizer does not know. Called at the top of
# those directories; the program around it stays instrumented.
macro(ariadne_runtime_not_sanitized)
  if(NOT ARIADNE_SANITIZE STREQUAL "")
    add_compile_options(-fno-sanitize=all)
    add_link_options(-fno-sanitize=all)
  endif()
endmacro()
