// `munit styles encode` / `fit` and translate's style toolkit flags end to end, with the
// official-small fixture's generator: a bank's entry translates exactly as its reference image,
// fitted priors and truncation draw deterministic styles, interpolation ends are the styles named,
// and files or values that do not fit are refused with exit code 2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <torch/torch.h>

#include "../support/command.h"
#include "../support/fixtures.h"
#include "../support/image_files.h"
#include "../support/scratch_dir.h"
#include "munit/atomic_file.h"
#include "nodes/style/bank.h"
#include "nodes/style/fitted_prior.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

bool python_torch() { return run_command("/usr/bin/python3 -c 'import torch'").exit_code == 0; }

class StylesCli : public ::testing::Test {
 protected:
  void SetUp() override {
    MUNIT_REQUIRE_FIXTURE(fixture / "gen.pt");
    fs::create_directories(dir / "in");
    fs::copy_file(fixture / "translate" / "input.png", dir / "in" / "input.png");
  }

  std::string model() const {
    return " --checkpoint " + (fixture / "gen.pt").string() + " --config " + (fixture / "config.yaml").string();
  }
  CommandResult styles(const std::string& arguments) { return munit("--log-level warn styles " + arguments); }
  CommandResult encode(const std::string& arguments) { return styles("encode" + model() + " " + arguments); }
  // Translates dir/in (one image) into dir/<output>.
  CommandResult translate(const std::string& output, const std::string& arguments) {
    return munit("--log-level warn translate" + model() + " --input " + (dir / "in").string() + " --output " +
                 (dir / output).string() + " " + arguments);
  }
  // dir/bank.pt: the domain-b styles of `count` noise images img00000...
  fs::path bank(int count) {
    const fs::path refs = write_random_images(dir / "refs", count);
    auto result = encode("--domain b --input " + refs.string() + " --output " + (dir / "bank.pt").string());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return dir / "bank.pt";
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }

  fs::path fixture = fixtures_dir() / "official-small";
  ScratchDir scratch{"munit_styles"};
  fs::path dir = scratch.path();
};

// Must-show 2: a bank's entry gives exactly the output its reference image gives (fp32).
TEST_F(StylesCli, BankEntriesTranslateAsTheirReferenceImages) {
  const fs::path file = bank(3);
  const style::StyleBank loaded = style::load_style_bank(file);
  EXPECT_EQ(loaded.codes.sizes(), torch::IntArrayRef({3, 8}));
  EXPECT_EQ(loaded.names, (std::vector<std::string>{"img00000", "img00001", "img00002"}));
  EXPECT_EQ(loaded.made_by.domain, "b");
  EXPECT_EQ(loaded.made_by.checkpoint, "gen.pt");

  for (const std::string name : {"img00000", "img00002"}) {
    auto picked = translate("bank_" + name, "--style " + file.string() + " --pick " + name);
    ASSERT_EQ(picked.exit_code, 0) << picked.output;
    auto referenced = translate("ref_" + name, "--style " + path("refs/" + name + ".png"));
    ASSERT_EQ(referenced.exit_code, 0) << referenced.output;
    ASSERT_EQ(names_in(dir / ("bank_" + name)), std::vector<std::string>{"input_" + name + ".png"});
    ASSERT_EQ(names_in(dir / ("ref_" + name)), std::vector<std::string>{"input_" + name + ".png"});
    EXPECT_EQ(read_bytes(dir / ("bank_" + name) / ("input_" + name + ".png")),
              read_bytes(dir / ("ref_" + name) / ("input_" + name + ".png")))
        << name;
  }
  auto all = translate("all", "--style " + file.string());
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_EQ(names_in(dir / "all"),
            (std::vector<std::string>{"input_img00000.png", "input_img00001.png", "input_img00002.png"}));

  // Python reads the bank as the dict bank.h documents.
  if (!python_torch()) GTEST_SKIP() << "no Python torch (apt install python3-torch)";
  auto python = run_command("/usr/bin/python3 -c \"import torch; b = torch.load('" + file.string() +
                            "'); print(b['format'], tuple(b['codes'].shape), b['names'], b['domain'], b['checkpoint'])\"");
  ASSERT_EQ(python.exit_code, 0) << python.output;
  EXPECT_THAT(python.output, HasSubstr("munit.style_bank (3, 8) ['img00000', 'img00001', 'img00002'] b gen.pt"));
}

TEST_F(StylesCli, FittedPriorsAndTruncationDrawDeterministicStyles) {
  const fs::path file = bank(6);
  auto fit = styles("fit " + file.string() + " --output " + path("prior.pt"));
  ASSERT_EQ(fit.exit_code, 0) << fit.output;
  EXPECT_THAT(fit.output, HasSubstr("fitted 6 style codes of width 8 (domain b) with 1 component(s)"));
  auto again = styles("fit " + file.string() + " --output " + path("prior.pt"));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.output, HasSubstr("exists already: --overwrite replaces it"));
  auto mixture = styles("fit " + file.string() + " --output " + path("mixture.pt") + " --components 2 --seed 3");
  ASSERT_EQ(mixture.exit_code, 0) << mixture.output;
  EXPECT_EQ(style::load_fitted_prior(dir / "mixture.pt").components(), 2);

  const std::string fitted = "--styles 2 --prior " + path("prior.pt");
  ASSERT_EQ(translate("fitted", fitted).exit_code, 0);
  ASSERT_EQ(translate("fitted_again", fitted).exit_code, 0);
  ASSERT_EQ(translate("normal", "--styles 2").exit_code, 0);
  const std::vector<std::string> outputs{"input_random0.png", "input_random1.png"};
  ASSERT_EQ(names_in(dir / "fitted"), outputs);
  for (const auto& name : outputs) {
    EXPECT_EQ(read_bytes(dir / "fitted" / name), read_bytes(dir / "fitted_again" / name));
    EXPECT_NE(read_bytes(dir / "fitted" / name), read_bytes(dir / "normal" / name));
  }
  // psi = 0: both draws are the bank's mean style.
  ASSERT_EQ(translate("centre", fitted + " --truncation 0").exit_code, 0);
  EXPECT_EQ(read_bytes(dir / "centre" / outputs[0]), read_bytes(dir / "centre" / outputs[1]));
  EXPECT_NE(read_bytes(dir / "fitted" / outputs[0]), read_bytes(dir / "fitted" / outputs[1]));
  auto mixed = translate("mixture", "--styles 2 --truncation 0.7 --prior " + path("mixture.pt"));
  ASSERT_EQ(mixed.exit_code, 0) << mixed.output;
  EXPECT_EQ(names_in(dir / "mixture"), outputs);

  if (!python_torch()) GTEST_SKIP() << "no Python torch (apt install python3-torch)";
  auto python = run_command("/usr/bin/python3 -c \"import torch; p = torch.load('" + path("mixture.pt") +
                            "'); print(p['format'], tuple(p['cholesky'].shape), p['codes'], p['bank'])\"");
  ASSERT_EQ(python.exit_code, 0) << python.output;
  EXPECT_THAT(python.output, HasSubstr("munit.style_prior (2, 8, 8) 6 bank.pt"));
}

// The ends of an interpolation are exactly the styles named: a reference image and a bank's entry.
TEST_F(StylesCli, InterpolationRunsFromOneStyleToAnother) {
  const fs::path file = bank(2);
  auto between = translate("between", "--interpolate " + path("refs/img00000.png") + "," + file.string() +
                                          ":img00001 --steps 3");
  ASSERT_EQ(between.exit_code, 0) << between.output;
  ASSERT_EQ(names_in(dir / "between"),
            (std::vector<std::string>{"input_interp0.png", "input_interp1.png", "input_interp2.png"}));
  ASSERT_EQ(translate("first", "--style " + path("refs/img00000.png")).exit_code, 0);
  ASSERT_EQ(translate("last", "--style " + file.string() + " --pick img00001").exit_code, 0);
  EXPECT_EQ(read_bytes(dir / "between" / "input_interp0.png"), read_bytes(dir / "first" / "input_img00000.png"));
  EXPECT_EQ(read_bytes(dir / "between" / "input_interp2.png"), read_bytes(dir / "last" / "input_img00001.png"));
  EXPECT_NE(read_bytes(dir / "between" / "input_interp1.png"), read_bytes(dir / "first" / "input_img00000.png"));

  auto seeds = translate("seeds", "--interpolate 1,2 --steps 4 --slerp");
  ASSERT_EQ(seeds.exit_code, 0) << seeds.output;
  EXPECT_EQ(names_in(dir / "seeds").size(), 4u);
}

// Must-show 4: exit code 2, a message naming the file or value, and no output written.
TEST_F(StylesCli, StyleFilesAndValuesThatDoNotFitAreRefused) {
  const fs::path file = bank(2);
  // `output`: a folder left empty, or a file not written.
  auto expect_refused = [&](const CommandResult& result, const std::string& message, const std::string& output) {
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_THAT(result.output, HasSubstr(message));
    if (fs::path(output).has_extension())
      EXPECT_FALSE(fs::exists(dir / output)) << output;
    else
      EXPECT_TRUE(names_in(dir / output).empty()) << output;
  };
  fs::create_directories(dir / "empty");
  expect_refused(encode("--domain b --input " + path("empty") + " --output " + path("empty.pt")),
                 "found no images in '" + path("empty") + "'", "empty.pt");

  // A bank of domain a given to the domain-b decoder; a bank of codes 5 wide for a style_dim of 8.
  ASSERT_EQ(encode("--domain a --input " + path("refs") + " --output " + path("bank_a.pt")).exit_code, 0);
  expect_refused(translate("out", "--style " + path("bank_a.pt")), "holds styles of domain a", "out");
  ASSERT_EQ(styles("fit " + path("bank_a.pt") + " --output " + path("prior_a.pt")).exit_code, 0);
  expect_refused(translate("out", "--prior " + path("prior_a.pt")), "is fitted to styles of domain a", "out");
  style::StyleBank narrow{torch::ones({2, 5}), {"x", "y"}, {"b", "gen.pt", 0}};
  style::save_style_bank(dir / "narrow.pt", narrow, Existing::refuse);
  expect_refused(translate("out", "--style " + path("narrow.pt")), "holds styles of shape [2, 5]", "out");
  expect_refused(translate("out", "--interpolate 1," + path("narrow.pt") + ":x"), "holds styles of 5 numbers", "out");

  // A prior that is not one, and one of another width.
  expect_refused(translate("out", "--prior " + file.string()), "is not a fitted style prior", "out");
  style::save_fitted_prior(dir / "narrow_prior.pt", style::fit_prior(narrow, "narrow.pt", 1, 0), Existing::refuse);
  expect_refused(translate("out", "--prior " + path("narrow_prior.pt")), "is fitted to style codes of 5 numbers", "out");
  expect_refused(styles("fit " + path("narrow_prior.pt") + " --output " + path("p.pt")), "is not a style bank", "p.pt");
  expect_refused(styles("fit " + file.string() + " --output " + path("missing/p.pt")), "does not exist", "missing/p.pt");
  expect_refused(styles("fit " + file.string() + " --overwrite --output " + path("empty")), "is not a regular file",
                 "empty/p.pt");

  // psi outside [0, 1], and flags that go with other flags.
  expect_refused(translate("out", "--truncation 1.5"), "--truncation", "out");
  expect_refused(translate("out", "--truncation -0.1"), "--truncation", "out");
  expect_refused(translate("out", "--pick img00000"), "--pick names styles of a style bank", "out");
  expect_refused(translate("out", "--style " + file.string() + " --pick nope"), "has no style named 'nope'", "out");
  expect_refused(translate("out", "--style " + file.string() + " --truncation 0.5"), "give --style random", "out");
  expect_refused(translate("out", "--interpolate 1"), "write the two ends as A,B", "out");
  expect_refused(translate("out", "--interpolate 1,2 --prior " + path("prior_a.pt")), "leave out --prior", "out");
  expect_refused(translate("out", "--interpolate 1,1234567890123456789"), "at most 18 digits", "out");
  expect_refused(translate("out", "--style " + file.string() + " --pick img00000,img00000"),
                 "would name one output file", "out");
}

}  // namespace
}  // namespace munit::testing
