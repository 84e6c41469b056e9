/* aarch64 trampolines: filled in by the trace-runtime work. */
#include "arch/aarch64/asm.h"
	ariadne_object_notes 0
