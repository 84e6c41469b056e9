/* ariadne_read_cntvct / ariadne_read_cntfrq: the generic timer's virtual
 * count and its frequency (src/arch/Timestamp.hpp). GCC 12 has no ACLE
 * __arm_rsr64, hence these two leaves. No frame; they touch only x0. */

#include "asm.h"
        .text
        .globl  ariadne_read_cntvct
        .type   ariadne_read_cntvct, %function
        .balign 16
ariadne_read_cntvct:
        .cfi_startproc
        bti     c
        mrs     x0, cntvct_el0
        ret
        .cfi_endproc
        .size   ariadne_read_cntvct, . - ariadne_read_cntvct

        .globl  ariadne_read_cntfrq
        .type   ariadne_read_cntfrq, %function
        .balign 16
ariadne_read_cntfrq:
        .cfi_startproc
        bti     c
        mrs     x0, cntfrq_el0
        ret
        .cfi_endproc
        .size   ariadne_read_cntfrq, . - ariadne_read_cntfrq

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
