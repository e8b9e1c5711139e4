# tern: the two commands a newcomer needs are `make demo` and `make test`.
# Everything else is CMake underneath (build/, build-asan/, build-mcu/).
BUILD ?= build
ASAN ?= build-asan
MCU ?= build-mcu
FW ?= build-fw
GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build asan test test-plain test-asan size demo demo-mcu install clean mutants \
  fuzz firmware docs

all: build

deps:
	@scripts/install-deps.sh

build:
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD) $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	@cmake --build $(BUILD)

# The sanitizer build uses clang so that it also builds the libFuzzer targets.
asan:
	@[ -f $(ASAN)/CMakeCache.txt ] || CC=clang cmake -S . -B $(ASAN) $(GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DTERN_SANITIZE=ON -DTERN_FUZZ=ON -DTERN_HEAVY_TESTS=OFF
	@cmake --build $(ASAN)

test-plain: build
	cd $(BUILD) && ctest -j2 --output-on-failure

test-asan: asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest -j2 --output-on-failure

# Installs what is missing, builds plain and with ASan+UBSan, runs every
# test on both (the heavy ones once, plain), the Cortex-M4 size check, and
# ends with "make test: N passed, N failed, N skipped" (scripts/test.sh).
test: deps
	@BUILD=$(BUILD) ASAN=$(ASAN) MCU=$(MCU) scripts/test.sh

# Each deliberate break under tests/mutants/ must make its test fail.
mutants: deps
	@scripts/mutants.sh

# Each fuzz target for FUZZ_SECONDS (default 60) from its seed corpus.
FUZZ_SECONDS ?= 60
fuzz: deps asan
	@scripts/fuzz.sh $(ASAN) $(FUZZ_SECONDS)

size: firmware
	@scripts/size.sh $(MCU) $(FW)

# The device as firmware for QEMU's mps2-an386 (Cortex-M4, LAN9118) over
# lwIP: $(FW)/tern-device.elf. lwIP's and mbedTLS's sources are Debian's, fetched into .deps/.
firmware:
	@scripts/fetch-source.sh lwip
	@scripts/fetch-source.sh mbedtls
	@[ -f $(FW)/CMakeCache.txt ] || cmake -S firmware -B $(FW) $(GEN) -DCMAKE_BUILD_TYPE=MinSizeRel \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/arm-none-eabi.cmake >/dev/null
	@cmake --build $(FW)

demo: deps build
	@scripts/demo.sh $(BUILD)

# The same demo with the device as firmware on an emulated Cortex-M4 board (QEMU).
demo-mcu: deps build firmware
	@scripts/demo.sh $(BUILD) --mcu --firmware $(FW)/tern-device.elf

# The API reference (Doxygen, from the headers' comments) in build-docs/html and
# a man page per command (from its --help) in build-docs/man; any warning fails.
docs: deps build
	@scripts/docs.sh $(BUILD) build-docs

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN) $(MCU) $(FW) build-notls build-mutants build-docs
