// Placeholder.
#include "ariadne/trace.hpp"
