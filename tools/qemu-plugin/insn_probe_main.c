/* insn_probe N: runs ariadne_insn_probe(N) between insn_count region markers.
 * Under the plugin, region(N) - region(0) must be exactly 4*N on both
 * architectures (src/arch/<arch>/insn_probe.S). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "insn_marker.h"

void ariadne_insn_probe(uint64_t n);

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: insn_probe N\n");
    return 2;
  }
  uint64_t n = strtoull(argv[1], NULL, 10);
  ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
  ariadne_insn_probe(n);
  ariadne_insn_mark(ARIADNE_INSN_MARK_END);
  return 0;
}
