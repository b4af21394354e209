# The two commands: `make run` and `make test`. Both install what is missing first.
BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all bootstrap build test test-fast test-asan test-tsan fuzz run bench cluster cluster-stop clean

all: build

bootstrap:
	@./scripts/bootstrap

build: bootstrap
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNEMOS_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Everything CI runs: the full suite, the core tests under ASan+UBSan, the concurrent tests
# under TSan, and a short bounded fuzz run of the record decoder.
test: test-fast test-asan test-tsan fuzz

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: bootstrap
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMNEMOS_WERROR=ON -DMNEMOS_SANITIZE=address >/dev/null
	@cmake --build build-asan -j $(JOBS) --target mnemos_util_tests mnemos_storage_tests mnemos_store_tests mnemos_conformance_tests mnemos_support_tests mnemos_cqrs_tests mnemos_replicated_tests
	cd build-asan && ctest --output-on-failure -L core --timeout 600

test-tsan: bootstrap
	@cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNEMOS_WERROR=ON -DMNEMOS_SANITIZE=thread >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target mnemos_store_tests mnemos_conformance_tests mnemos_cqrs_tests mnemos_server_tests
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --output-on-failure -L concurrency --timeout 600

fuzz: bootstrap
	@CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNEMOS_BUILD_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@mkdir -p build-fuzz/corpus
	@echo "fuzzing the record decoder for 30 s (seeds: fuzz/corpus, log: build-fuzz/fuzz.log)"
	@./build-fuzz/record_decoder_fuzz -max_total_time=30 -rss_limit_mb=1024 build-fuzz/corpus fuzz/corpus \
	  > build-fuzz/fuzz.log 2>&1 || { tail -n 60 build-fuzz/fuzz.log; exit 1; }
	@tail -n 1 build-fuzz/fuzz.log

run: build
	@BUILD=$(BUILD) ./scripts/run

# A 3-node JetStream cluster on loopback and two `mnemos serve` nodes on it (docs/NATS.md).
cluster: build
	@MNEMOS_BIN=$(BUILD)/mnemos ./scripts/cluster start

cluster-stop:
	@./scripts/cluster stop

bench: build
	./$(BUILD)/mnemos bench

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
