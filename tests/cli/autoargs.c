/* autoargs.c: functions taking and returning the kinds of values `record -a`
 * formats from DWARF: integers signed and unsigned, an enum, bool, char, a C
 * string, double and float, a pointer, small structs in integer and in
 * floating-point registers, a struct passed in memory, a variadic function.
 * noipa keeps each function's signature as declared at -O2 too (GCC would
 * otherwise specialise some into clones, f.constprop.0, which -a leaves
 * alone: their registers no longer follow the declaration). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define NOIPA __attribute__((noipa))

enum color { RED, GREEN = 5, BLUE = -2 };
struct point {
  int x, y;
}; /* 8 bytes: one integer register */
struct pair {
  long a;
  short b;
}; /* 16 bytes: two integer registers */
struct vec2 {
  double x, y;
}; /* two floating-point registers on both */
struct fpair {
  float a, b;
}; /* x86-64: one xmm register; AArch64: s0 and s1 */
struct big {
  long v[4];
}; /* 32 bytes: in memory (x86-64), by reference (AArch64) */

NOIPA long add(int a, unsigned b) { return a + (long)b; }
NOIPA enum color paint(enum color c, bool on) { return on && c == GREEN ? BLUE : RED; }
NOIPA char initial(const char* name, char fallback) { return name != NULL ? name[0] : fallback; }
NOIPA double scale(double x, float f, int n) { return x * f * n; }
NOIPA void* advance(void* p, long n) { return (char*)p + n; }
NOIPA struct point move(struct point p, int dx) {
  p.x += dx;
  return p;
}
NOIPA double norm2(struct vec2 v) { return v.x * v.x + v.y * v.y; }
NOIPA float fsum(struct fpair p) { return p.a + p.b; }
NOIPA long sum_pair(struct pair p) { return p.a + p.b; }
NOIPA long pick(struct big b, int k) { return b.v[k]; }
NOIPA bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
NOIPA short twice(short s) { return (short)(s * 2); }
NOIPA const char* name_of(enum color c) { return c == RED ? "red" : c == GREEN ? "green" : "blue"; }
NOIPA int print_all(const char* format, ...) {
  char text[64];
  va_list ap;
  va_start(ap, format);
  const int n = vsnprintf(text, sizeof text, format, ap);
  va_end(ap);
  return n;
}

int main(void) {
  struct point p = {1, -2};
  struct vec2 v = {3, 4};
  struct fpair fp = {0.5f, 2.0f};
  struct pair pr = {100000000000L, -7};
  struct big b = {{10, 20, 30, 40}};
  long total = add(-3, 4000000000u);
  total += paint(GREEN, true) + paint((enum color)7, false);
  total += initial("ariadne", '?') + initial(NULL, '?');
  total += (long)scale(1.5, 0.25f, 3);
  total += (long)advance((void*)0x1000, 16);
  total += move(p, 10).x;
  total += (long)norm2(v) + (long)fsum(fp);
  total += sum_pair(pr) + pick(b, 2);
  total += is_upper('Q') + twice(-300);
  total += name_of(BLUE)[0];
  total += print_all("%d-%d", 4, 2);
  printf("autoargs: %ld\n", total);
  return 0;
}
