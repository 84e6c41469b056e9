/* x86_64 trampolines: filled in by the trace-runtime work. */
#include "arch/x86_64/asm.h"
	ariadne_object_notes 0
