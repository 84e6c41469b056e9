// mmap_anon: anonymous mappings of several sizes, filled and summed; one
// grown in place and one moved by mremap; munmap. Prints every address:
// replay must make each mapping where the recording had it
// (docs/replay.md, "Memory").
//
// If the file mmap_anon.squat exists in the working directory (looked for
// by dlopen, whose system calls are the dynamic loader's own and not
// logged: the one part of the program's calls replay leaves alone), the
// place of one mapping is taken first by a block malloc maps with its own,
// unseen mmap: replay_checks.sh mmap-divergence records without the file and
// replays with it, and the changed address must be reported as a divergence.
// (syscall() is not used for either: replay may route its numbers.)
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "replay_common.h"

REPLAY_FN static unsigned long fill(unsigned char* p, size_t n, unsigned long seed) {
  unsigned long sum = 0;
  for (size_t i = 0; i < n; i += 512) {
    p[i] = (unsigned char)(seed + i / 512);
    sum += p[i];
  }
  return work(sum);
}

// An empty file is no library: dlopen fails either way, but says why.
static int squat_exists(void) {
  if (dlopen("./mmap_anon.squat", RTLD_NOW) != NULL) return 1;
  return strstr(dlerror(), "No such file") == NULL;
}

int main(void) {
  static const size_t sizes[] = {4096, 3 * 4096 + 1, 1 << 20, 8 << 20};
  void* maps[4];
  for (int i = 0; i < 4; ++i) {
    maps[i] = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(maps[i] != MAP_FAILED);
    printf("mmap %zu bytes: %p, sum %lu\n", sizes[i], maps[i], fill(maps[i], sizes[i], (unsigned long)i));
  }

  // Shrunk, then grown back where it is (the page after it is free again).
  unsigned char* big = maps[2];
  unsigned char* shrunk = mremap(big, 1 << 20, (1 << 20) - 4096, 0);
  CHECK(shrunk == big);
  unsigned char* grown = mremap(big, (1 << 20) - 4096, 1 << 20, 0);
  CHECK(grown != MAP_FAILED);
  grown[(1 << 20) - 1] = 7;
  printf("mremap shrink and grow in place: %p, %p, byte %u\n", (void*)shrunk, (void*)grown, grown[0]);
  // Moved: grown past what follows it.
  unsigned char* moved = mremap(maps[1], 3 * 4096 + 1, 64 * 4096, MREMAP_MAYMOVE);
  CHECK(moved != MAP_FAILED);
  printf("mremap may-move 12289 -> 262144: %p, first byte %u, sum %lu\n", (void*)moved, moved[0],
         fill(moved, 64 * 4096, 9));

  // The place of the next mapping, taken by malloc's own mmap when the
  // squat file exists (see above): a mapping unmapped, then one of its size
  // made. The kernel gives the freed place again (it allocates downwards:
  // the block lands at the top of that place); qemu-user gives the place
  // after the last mapping (it allocates upwards: the block lands there).
  void* probe = mmap(NULL, 1 << 18, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(probe != MAP_FAILED);
  CHECK(munmap(probe, 1 << 18) == 0);
  if (squat_exists()) CHECK(malloc(200000) != NULL);  // above the mmap threshold
  void* again = mmap(NULL, 1 << 18, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(again != MAP_FAILED);
  printf("mmap 262144 bytes after munmap of %p: %p\n", probe, again);

  CHECK(munmap(moved, 64 * 4096) == 0);
  CHECK(munmap(maps[0], 4096) == 0);
  for (int i = 2; i < 4; ++i) CHECK(munmap(maps[i], sizes[i]) == 0);
  CHECK(munmap(again, 1 << 18) == 0);
  printf("munmap of an unaligned address: %d\n", munmap((char*)again + 1, 4096));
  printf("EXIT-SUCCESS\n");
  return 0;
}
