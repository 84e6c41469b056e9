// Test DSO built with branch-target landing pads (-mbranch-protection=standard
// on AArch64, -fcf-protection=branch on x86-64): GCC puts `bti c` / `endbr64`
// before the sled, so a site sits 4 bytes into its symbol and must still be
// named after it.
namespace cet {
int g(long x) { return static_cast<int>(x) - 1; }
}  // namespace cet

extern "C" int patch_bti_a(int x) { return cet::g(x) + 2; }
extern "C" int patch_bti_b(int x) { return patch_bti_a(x) * 2; }
