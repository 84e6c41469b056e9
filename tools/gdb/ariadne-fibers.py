# gdb commands for Ariadne fibers:  source tools/gdb/ariadne-fibers.py
#
#   info fibers      list the fibers in ariadne_fiber_registry
#   fiber bt N       backtrace of suspended fiber N (id as listed)
#   fiber bt N fp    same, by a plain frame-pointer walk (no CFI needed)
#
# Reads the registry (src/fiber/Registry.hpp) from memory by offsets, so no
# debug info is needed. `fiber bt` temporarily loads the fiber's saved
# registers (the switch frame, src/arch/<arch>/switch.S) into the selected
# thread, runs gdb's own CFI unwinder, and restores the thread's registers.
import struct

import gdb

# The switch frame's layout is read from the program itself: switch.S emits
# ariadne_fiber_switch_layout from struct SwitchFrame (src/arch/<arch>/
# AsmLayout.hpp) -- frame size, resume address offset, frame pointer offset,
# then the offsets of the callee-saved registers named here, in this order.
_ARCH = {
    "aarch64": {"saved": ["x%d" % n for n in range(19, 29)], "fpreg": "x29",
                "sp": "sp", "pcreg": "pc", "lr": "x30"},
    "x86_64": {"saved": ["rbx", "rbp", "r12", "r13", "r14", "r15"], "fpreg": "rbp",
               "sp": "rsp", "pcreg": "rip", "lr": None},
}
_STATES = {1: "ready", 2: "running", 3: "suspended", 4: "done"}


def _arch():
    name = gdb.selected_inferior().architecture().name()
    return "aarch64" if "aarch64" in name else "x86_64"


def _u64(addr):
    return struct.unpack("<Q", bytes(gdb.selected_inferior().read_memory(addr, 8)))[0]


def _u32(addr):
    return struct.unpack("<I", bytes(gdb.selected_inferior().read_memory(addr, 4)))[0]


def _layout():
    arch = _ARCH[_arch()]
    try:
        base = int(gdb.parse_and_eval("(unsigned long)&ariadne_fiber_switch_layout"))
    except gdb.error:
        raise gdb.GdbError("no ariadne_fiber_switch_layout in the program: is it linked with Ariadne's fibers?")
    frame, pc, fp = _u64(base), _u64(base + 8), _u64(base + 16)
    regs = {reg: _u64(base + 24 + 8 * i) for i, reg in enumerate(arch["saved"])}
    regs[arch["fpreg"]] = fp
    return dict(arch, regs=regs, pc=pc, fp=fp, frame=frame)


def _cstring(addr, limit=64):
    if addr == 0:
        return "?"
    raw = bytes(gdb.selected_inferior().read_memory(addr, limit))
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _records():
    base = int(gdb.parse_and_eval("(unsigned long)&ariadne_fiber_registry"))
    rec = _u64(base + 8)
    seen = 0
    while rec != 0 and seen < 100000:
        yield {
            "addr": rec,
            "name": _cstring(_u64(rec)),
            "ctx": _u64(rec + 8),
            "state": _u32(rec + 16),
            "id": _u32(rec + 20),
        }
        rec = _u64(rec + 24)
        seen += 1


def _symbol(pc):
    out = gdb.execute("info symbol 0x%x" % pc, to_string=True).strip()
    return out.split(" in section")[0] if "No symbol" not in out else "??"


class InfoFibers(gdb.Command):
    """List Ariadne fibers: id, state, saved context, name."""

    def __init__(self):
        super().__init__("info fibers", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        print("  Id   State      Saved context       Name")
        for r in _records():
            print("  %-4d %-10s 0x%016x  %s" % (r["id"], _STATES.get(r["state"], "?"), r["ctx"], r["name"]))


class FiberPrefix(gdb.Command):
    """Ariadne fiber commands."""

    def __init__(self):
        super().__init__("fiber", gdb.COMMAND_STACK, prefix=True)


class FiberBt(gdb.Command):
    """fiber bt N [fp]: backtrace of suspended fiber N."""

    def __init__(self):
        super().__init__("fiber bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        args = arg.split()
        if not args:
            raise gdb.GdbError("usage: fiber bt N [fp]")
        want = int(args[0])
        rec = next((r for r in _records() if r["id"] == want), None)
        if rec is None:
            raise gdb.GdbError("no fiber %d" % want)
        if rec["ctx"] == 0:
            raise gdb.GdbError("fiber %d is not suspended (state %s): use bt on its thread"
                               % (want, _STATES.get(rec["state"], "?")))
        layout = _layout()
        print('fiber %d "%s" suspended at 0x%x' % (want, rec["name"], rec["ctx"]))
        if len(args) > 1 and args[1] == "fp":
            self._fp_walk(rec["ctx"], layout)
        else:
            self._cfi_walk(rec["ctx"], layout)

    @staticmethod
    def _fp_walk(ctx, layout):
        pc, fp = _u64(ctx + layout["pc"]), _u64(ctx + layout["fp"])
        for k in range(256):
            if pc == 0:
                break
            print("#%-2d 0x%016x in %s" % (k, pc, _symbol(pc)))
            if fp == 0:
                break
            pc, fp = _u64(fp + 8), _u64(fp)

    @staticmethod
    def _cfi_walk(ctx, layout):
        # Registers as the switch will restore them, then gdb's unwinder.
        values = {reg: _u64(ctx + off) for reg, off in layout["regs"].items()}
        values[layout["sp"]] = ctx + layout["frame"]
        values[layout["pcreg"]] = _u64(ctx + layout["pc"])
        if layout["lr"]:
            values[layout["lr"]] = values[layout["pcreg"]]
        frame = gdb.selected_frame()
        gdb.newest_frame().select()
        saved = {reg: int(gdb.parse_and_eval("$" + reg)) for reg in values}
        try:
            for reg, v in values.items():
                gdb.execute("set $%s = 0x%x" % (reg, v), to_string=True)
            gdb.execute("bt")
        finally:
            for reg, v in saved.items():
                gdb.execute("set $%s = 0x%x" % (reg, v), to_string=True)
            try:
                frame.select()
            except gdb.error:
                pass


InfoFibers()
FiberPrefix()
FiberBt()
