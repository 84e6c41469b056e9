/* 100,000 tiny instrumented functions (the preprocessor writes them), for
 * bench/trace_enable_bench: how long scanning, preparing, enabling and
 * disabling that many sites takes. */
#define ARIADNE_CAT_(a, b) a##b
#define ARIADNE_CAT(a, b) ARIADNE_CAT_(a, b)
#define F1 \
  int ARIADNE_CAT(many_fn_, __COUNTER__)(int x) { return x + 1; }
#define F10 F1 F1 F1 F1 F1 F1 F1 F1 F1 F1
#define F100 F10 F10 F10 F10 F10 F10 F10 F10 F10 F10
#define F1000 F100 F100 F100 F100 F100 F100 F100 F100 F100 F100
#define F10000 F1000 F1000 F1000 F1000 F1000 F1000 F1000 F1000 F1000 F1000
F10000 F10000 F10000 F10000 F10000 F10000 F10000 F10000 F10000 F10000 int many_fn_last(int x) {
  return many_fn_0(x) + many_fn_99999(x);
}
