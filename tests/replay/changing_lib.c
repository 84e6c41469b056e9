// A shared library built twice with different content (CHANGING_VARIANT 1
// and 2), so with two build-ids: library_test.sh records library_calls with
// one build and replays it with the other swapped in. As replay_linked (a
// DT_NEEDED library of library_calls) and as replay_loaded (dlopen'ed).
int linked_value(void) { return 100 + CHANGING_VARIANT; }
int loaded_value(void) { return 200 + CHANGING_VARIANT; }
