#include "arch/Isa.hpp"

namespace ariadne::arch {

Isa host() { return Isa::x86_64; }

}  // namespace ariadne::arch
