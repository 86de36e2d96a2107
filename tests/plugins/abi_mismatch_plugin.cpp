// A plugin built for another ABI major version: the loader must refuse it before registering.
#define MUNIT_PLUGIN_ABI_MAJOR 99
#include "munit/plugin.h"

MUNIT_PLUGIN("abi_mismatch", registrar) { (void)registrar; }
