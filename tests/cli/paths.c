/* paths.c: 32 call paths of one short call each (main;fNN;leaf), for the
 * folded stacks: under qemu-aarch64 the counter ticks in ~1 us steps and
 * most of these calls time as 0 ns, so a flame graph by time loses them. */
#include <stdio.h>

static volatile int sink;

__attribute__((noinline)) void leaf(int x) { sink += x; }

/* fNN calls leaf once; the declaration after it takes the `;`. */
#define F(n)                                             \
  __attribute__((noinline)) void f##n(void) { leaf(1); } \
  void f##n(void)
F(00);
F(01);
F(02);
F(03);
F(04);
F(05);
F(06);
F(07);
F(08);
F(09);
F(10);
F(11);
F(12);
F(13);
F(14);
F(15);
F(16);
F(17);
F(18);
F(19);
F(20);
F(21);
F(22);
F(23);
F(24);
F(25);
F(26);
F(27);
F(28);
F(29);
F(30);
F(31);

int main(void) {
  void (*const paths[])(void) = {f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10,
                                 f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21,
                                 f22, f23, f24, f25, f26, f27, f28, f29, f30, f31};
  for (unsigned i = 0; i < sizeof paths / sizeof paths[0]; ++i) paths[i]();
  printf("paths: %d\n", sink);
  return 0;
}
