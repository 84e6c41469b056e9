// libcalls N: calls memcpy, malloc, free, qsort (with an instrumented
// comparator that libc calls back), strlen and printf N times each, and
// prints its own counts of each on stderr as "name count" lines, for
// libcalls_test.sh to compare with `ariadne report` (and uftrace's) counts.
// Sizes come from N at run time so the compiler cannot fold or inline the
// library calls away; printf has arguments so it stays printf (not puts).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long n_memcpy, n_malloc, n_free, n_qsort, n_strlen, n_printf, n_compare;

__attribute__((noinline)) int compare(const void* a, const void* b) {
  ++n_compare;
  const int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}

__attribute__((noinline)) size_t measure(const char* text) {
  ++n_strlen;
  return strlen(text);
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 10;
  char word[32];
  int values[8];
  long total = 0;
  for (int i = 0; i < n; ++i) {
    const size_t size = 8 + (size_t)(i % 8);
    char* block = malloc(size);
    ++n_malloc;
    memcpy(block, "abcdefghijklmnop", size - 1);
    ++n_memcpy;
    block[size - 1] = '\0';
    snprintf(word, sizeof word, "%s", block);
    total += (long)measure(word);
    free(block);
    ++n_free;
    for (int k = 0; k < 8; ++k) values[k] = (i * 7 + k * 13) % 11;
    qsort(values, 8, sizeof values[0], compare);
    ++n_qsort;
    printf("%d %ld\n", values[0], total);
    ++n_printf;
  }
  fprintf(stderr, "memcpy %ld\nmalloc %ld\nfree %ld\nqsort %ld\nstrlen %ld\nprintf %ld\ncompare %ld\n",
          n_memcpy, n_malloc, n_free, n_qsort, n_strlen, n_printf, n_compare);
  return 0;
}
