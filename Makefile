# sellahead: `make` builds build/sellahead; `make test` runs every test; `make run` serves a demo.
BUILD    ?= build
ifeq ($(origin CC),default)
  CC := gcc
endif
PKGS     := libmicrohttpd jansson sqlite3 libsodium libcurl libpq
SANITIZE ?= 0
PORT     ?= 8080

WARN   := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wformat=2 -Wcast-qual -Wpointer-arith -Wvla -Wundef -Werror
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -Isrc \
          $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
ifeq ($(SANITIZE),1)
  BUILD  := build-san
  CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
endif

SRC      := $(sort $(wildcard src/*/*.c src/*/*/*.c))
OBJ      := $(SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit http http-pg browser run clean fuzz fuzz-replay bench
all: $(BUILD)/sellahead

deps:
	@sh scripts/deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# Made anew each time: ar would keep the members of source files that are gone.
$(BUILD)/libsellahead.a: $(OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^

$(BUILD)/sellahead: $(BUILD)/src/main.o $(BUILD)/libsellahead.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsellahead.a
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(BUILD)/libsellahead.a $(LDFLAGS) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN) fuzz-replay
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The fuzz corpora replayed with gcc under ASan and UBSan (against a sanitized build of the
# library in build-san): every input once saved stays fixed. One binary per fuzz target.
FUZZERS   := csv json router multipart
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
.PHONY: san-lib
san-lib:
	@$(MAKE) --no-print-directory SANITIZE=1 build-san/libsellahead.a

build-san/tests/fuzz_%: fuzz/replay.c fuzz/fuzz_%.c san-lib
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CC) $(CFLAGS) $(SAN_FLAGS) -Wno-missing-prototypes -o $@ fuzz/replay.c fuzz/fuzz_$*.c \
		build-san/libsellahead.a $(LDFLAGS) $(SAN_FLAGS) $(LDLIBS)

fuzz-replay: $(FUZZERS:%=build-san/tests/fuzz_%)
	@set -e; for f in $(FUZZERS); do echo "== fuzz replay $$f"; \
		build-san/tests/fuzz_$$f fuzz/corpus/$$f/*; done

# Coverage-guided fuzzing with clang's libFuzzer, every target in turn over a copy of its
# corpus: make fuzz FUZZ_SECONDS=300, or FUZZ_ARGS=-runs=10000000 for a number of runs.
# The library is built with clang and the same sanitizers in build-fuzz.
FUZZ_SECONDS ?= 60
FUZZ_ARGS    ?= -max_total_time=$(FUZZ_SECONDS)
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
fuzz:
	@CFLAGS="$(FUZZ_FLAGS)" $(MAKE) --no-print-directory CC=clang BUILD=build-fuzz \
		build-fuzz/libsellahead.a
	@set -e; for f in $(FUZZERS); do \
		mkdir -p build-fuzz/corpus/$$f; \
		clang $(FUZZ_FLAGS) -fsanitize=fuzzer -std=c11 -D_POSIX_C_SOURCE=200809L \
			-D_DEFAULT_SOURCE -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
			-o build-fuzz/fuzz_$$f fuzz/fuzz_$$f.c build-fuzz/libsellahead.a $(LDLIBS); \
		echo "== fuzz $$f"; \
		build-fuzz/fuzz_$$f -artifact_prefix=build-fuzz/$$f- $(FUZZ_ARGS) \
			build-fuzz/corpus/$$f fuzz/corpus/$$f; \
	done

# The HTTP and browser test files run in a random order (node 20 has no --test-shuffle), two
# HTTP files at a time: no test may depend on another's leftovers. The order is printed;
# TEST_ORDER=cat runs them sorted, TEST_ORDER='shuf --random-source=FILE' repeats one.
TEST_ORDER ?= shuf
HTTP_TESTS = $$(ls tests/http/*.test.mjs | $(TEST_ORDER))

http: $(BUILD)/sellahead
	@files="$(HTTP_TESTS)"; echo "== tests/http in this order:" $$files; \
	SELLAHEAD_BIN=$(abspath $(BUILD)/sellahead) node --test --test-concurrency=2 $$files

# The storage tests (test_store's postgres group, test_store_pg) and the whole HTTP suite again
# on PostgreSQL: a throwaway cluster (scripts/pg-test: initdb into a temporary folder, a free
# port on 127.0.0.1), stopped and removed at the end whatever happens. Every server of the
# suite gets a database of its own.
http-pg: $(BUILD)/sellahead $(BUILD)/tests/test_store $(BUILD)/tests/test_store_pg
	@set -e; \
	dir=$$(mktemp -d /tmp/sellahead-pg.XXXXXX); \
	trap 'sh scripts/pg-test stop "$$dir" >/dev/null 2>&1 || rm -rf "$$dir"' EXIT; \
	trap 'exit 130' INT TERM; \
	url=$$(sh scripts/pg-test start "$$dir"); \
	echo "== PostgreSQL test cluster $$url ($$dir)"; \
	for t in test_store test_store_pg; do \
		echo "== $(BUILD)/tests/$$t"; \
		SELLAHEAD_TEST_PG_URL=$$url $(BUILD)/tests/$$t; \
	done; \
	files="$(HTTP_TESTS)"; echo "== tests/http on PostgreSQL in this order:" $$files; \
	SELLAHEAD_TEST_PG_URL=$$url SELLAHEAD_BIN=$(abspath $(BUILD)/sellahead) \
		node --test --test-concurrency=2 $$files

# npm packages pinned by package-lock.json; installed again only when the lock changes.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

browser: $(BUILD)/sellahead node_modules/.installed
	@files="$$(ls tests/browser/*.test.mjs | $(TEST_ORDER))"; echo "== tests/browser in this order:" $$files; \
	SELLAHEAD_BIN=$(abspath $(BUILD)/sellahead) node --test --test-concurrency=1 $$files

test: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory http
	@$(MAKE) --no-print-directory http-pg
	@$(MAKE) --no-print-directory browser

run: deps
	@$(MAKE) --no-print-directory all
	@[ -f sellahead.db ] || $(BUILD)/sellahead demo --db sellahead.db
	@if $(BUILD)/sellahead user list --db sellahead.db | grep -q '"items":\[\]'; then \
		echo "No console user yet. To log in at http://127.0.0.1:$(PORT)/admin, create one"; \
		echo "(in another terminal; it asks for a password twice):"; \
		echo "    $(BUILD)/sellahead user add NAME --db sellahead.db"; \
	else \
		echo "Console: http://127.0.0.1:$(PORT)/admin (users: $(BUILD)/sellahead user list --db sellahead.db)"; \
	fi
	$(BUILD)/sellahead serve --db sellahead.db --port $(PORT)

clean:
	rm -rf build build-san build-fuzz

# The tests' .d files: a change to tests/unit/store_test.h rebuilds the tests using it.
-include $(OBJ:.o=.d) $(BUILD)/src/main.d $(UNIT_BIN:=.d)
