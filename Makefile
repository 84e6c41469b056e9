# The two commands a new machine needs: `make demo` and `make test`.
PRESETS := native-debug native-release aarch64-debug aarch64-release
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: all setup build test demo bench clean
all: build

setup:
	@$(SUDO) bash scripts/setup

build-%: setup
	@[ -f build/$*/build.ninja ] || cmake --preset $* >/dev/null
	@echo "== build $*" && cmake --build --preset $*

# `build` gives the stable layout: build/ariadne beside build/lib/<arch>/libariadne-rt.so.
build: $(addprefix build-,$(PRESETS))
	@bash scripts/stage build/native-release build

test: build
	@bash scripts/lint
	@bash scripts/run-tests $(PRESETS)

demo: build-native-release build-aarch64-release
	@bash scripts/stage build/native-release build
	@bash scripts/demo

# Context-switch benchmarks (docs/performance.md): x86-64 ns, AArch64 and
# x86-64 guest instructions, one table.
bench: build-native-release build-aarch64-release
	@bash scripts/bench

clean:
	rm -rf build
