// SPDX-License-Identifier: GPL-2.0
/*
 * atcp_test.ko: the KUnit suites of atcp.ko.  Each kunit/<file>_test.c
 * registers its own suites; they run when this module is loaded, which
 * needs atcp.ko loaded first (the functions under test are exported to
 * the EXPORTED_FOR_KUNIT_TESTING namespace).
 */
#include <linux/module.h>

#include "atcp.h"

MODULE_DESCRIPTION("KUnit tests for ATCP");
MODULE_LICENSE("GPL");
ATCP_IMPORT_KUNIT_NS();
