# SPDX-License-Identifier: GPL-2.0
#
# ATCP top-level Makefile.
#
#   make                 build module/atcp.ko (and kunit/atcp_test.ko when the
#                        kernel has CONFIG_KUNIT) against KDIR
#   make demo            boot the test VM and run the demo (sets itself up)
#   make check           boot the test VM and run every test (sets itself up)
#   make checkpatch      scripts/checkpatch.pl --strict on every source file
#   make sparse          sparse (C=2) build, zero warnings required
#   make compat          build warnings-free (W=1) against 6.1, 6.12 and mainline
#   make bench           ATCP vs TCP benchmark in a VM with a non-debug kernel

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build tools/atcpss/atcpss
	[ ! -f tools/Makefile ] || $(MAKE) -C tools clean

demo:
	scripts/demo.sh

check:
	scripts/check.sh

checkpatch:
	scripts/checkpatch.sh

sparse:
	scripts/sparse.sh

compat:
	scripts/compat-build.sh

bench:
	scripts/bench.sh
.PHONY: bench

.PHONY: all modules clean demo check checkpatch sparse compat
