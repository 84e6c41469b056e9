// Placeholder.
#include "arch/CodePatch.hpp"
