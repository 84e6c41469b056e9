// For `ariadne chaos` (chaos_test.sh cores): prints the processor counts the
// program is told (sysconf, get_nprocs): each chaos run pretends 1 to 8, and
// replay hands back the recorded counts.
#include <stdio.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(void) {
  printf("sysconf %ld %ld get_nprocs %d %d\n", sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_CONF),
         get_nprocs(), get_nprocs_conf());
  return 0;
}
