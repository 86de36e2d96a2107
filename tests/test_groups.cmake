# The ctest entries: groups of GoogleTest cases, one process each (LibTorch loads once per group,
# not once per case), sized so that `ctest -j2` keeps both cores busy. A case runs in the first
# group whose filter matches it; the last group, unit, runs every case no other group took, and
# suite.every_case_once checks that each case runs exactly once. `ctest -L <label>` picks groups.
# A case that skips (GTEST_SKIP: no GPU, no Graphviz...) passes with its group; scripts/test.sh
# lists the skipped cases.
set(MUNIT_TEST_GROUPS ${CMAKE_CURRENT_BINARY_DIR}/test_groups.txt)  # one gtest filter a line
file(WRITE ${MUNIT_TEST_GROUPS} "")
set_property(GLOBAL PROPERTY MUNIT_TAKEN "")

# munit_test_group(NAME <name> [FILTER <pattern>...] LABELS <label>... [RUN_SERIAL])
function(munit_test_group)
  cmake_parse_arguments(PARSE_ARGV 0 GROUP "RUN_SERIAL" "NAME" "FILTER;LABELS")
  get_property(taken GLOBAL PROPERTY MUNIT_TAKEN)
  set(filter "*")
  if(GROUP_FILTER)
    list(JOIN GROUP_FILTER ":" filter)
  endif()
  if(taken)
    list(JOIN taken ":" earlier)
    string(APPEND filter "-${earlier}")
  endif()
  set_property(GLOBAL APPEND PROPERTY MUNIT_TAKEN ${GROUP_FILTER})
  file(APPEND ${MUNIT_TEST_GROUPS} "${filter}\n")
  add_test(NAME ${GROUP_NAME} COMMAND munit_tests --gtest_filter=${filter})
  # Two groups side by side on two cores: OpenMP threads that sleep when idle (no spinning), one
  # per process outside munit's own thread settings; set, it also spares munit its re-exec.
  set_tests_properties(${GROUP_NAME} PROPERTIES LABELS "${GROUP_LABELS}" RUN_SERIAL ${GROUP_RUN_SERIAL}
                       ENVIRONMENT "OMP_WAIT_POLICY=PASSIVE;OMP_NUM_THREADS=1")
endfunction()

# Seconds in brackets: serial, one process per case, on the 2-core machines.
munit_test_group(NAME gpu FILTER *_CUDA*:*/cuda:Precisions/* LABELS gpu)  # skipped without a GPU
munit_test_group(NAME translate.peak_memory FILTER Translate.PeakMemory* LABELS slow cli)            # [46]
munit_test_group(NAME cli.bad_input FILTER CliTest.EveryBadInputCase* LABELS slow cli)               # [37]
munit_test_group(NAME cli.shipped_pipelines FILTER CliTest.EveryShippedPipeline* LABELS slow cli)    # [35]
munit_test_group(NAME train.official FILTER Pipelines/TrainRunBoth.*/Official LABELS slow train)    # [24]
munit_test_group(NAME train.fused FILTER Pipelines/TrainRunBoth.*/Fused LABELS slow train)          # [17]
munit_test_group(NAME train.bf16 FILTER Pipelines/TrainRunBoth.* LABELS slow train)                 # [23]
munit_test_group(NAME train.crash FILTER CheckpointSetTest.*:CheckpointSet.* LABELS slow train)      # [68]
# Concurrency, ordering and Ctrl-C: barriers and readiness lines, no clocks (scripts/stress_timing_tests.sh).
munit_test_group(NAME engine.timing
                 FILTER ExecutorTest.*:TrainingOrder.*:ComputeLanesTest.*:CliTest.Sigint*:Signals/TrainRunSignal.*
                 LABELS timing engine)                                                               # [17]
munit_test_group(NAME reliability FILTER Files.*:Inputs.* LABELS cli reliability)
munit_test_group(NAME cli.train_config FILTER TrainConfig.*:TrainConfigValidate.* LABELS cli)         # [38]
munit_test_group(NAME cli FILTER CliTest.*:PluginTest.* LABELS cli)                                  # [40]
munit_test_group(NAME styles FILTER StylesCli.* LABELS cli)
munit_test_group(NAME translate FILTER Translate.* LABELS cli)                                       # [46]
munit_test_group(NAME train FILTER TrainRun.*:TrainExtras.*:TrainPipeline.*:PythonInterop.*:ModelResources.*
                 LABELS train parity)                                                                # [39]
munit_test_group(NAME parity FILTER Devices/*:Networks.*:Config.*:TorchFile.*:Checkpoint.*:Adam.*:LearningRate.*
                 LABELS parity)                                                                      # [21]
munit_test_group(NAME unit LABELS unit)                                                              # [35]

add_test(NAME suite.every_case_once
         COMMAND ${CMAKE_COMMAND} -DTESTS=$<TARGET_FILE:munit_tests> -DGROUPS=${MUNIT_TEST_GROUPS}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/every_case_once.cmake)
set_tests_properties(suite.every_case_once PROPERTIES LABELS unit)
