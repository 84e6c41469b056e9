// Test DSO built WITHOUT -fpatchable-function-entry: the scanner must list
// it as not traced, with a message naming it.
extern "C" int patch_plain_f(int x) { return x + 5; }
