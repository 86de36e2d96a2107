// A shared library without the munit_plugin entry point.
extern "C" int not_a_plugin_answer() { return 42; }
