// The pipeline lowered onto plain oneTBB flow-graph nodes:
//
//   ticker → limiter → starter → [sequencer] → source node ─┐
//                                                            ├→ gather → [sequencer] → node → …
//                         … leaves → gather → sink ─→ limiter.decrementer()
//
// Each node body is wrapped: a throw is caught at the node boundary, recorded with the node id,
// kind and frame, and every later frame drains through the graph as a dropped marker.
#include "munit/executor.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <c10/util/Exception.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>
#include <spdlog/spdlog.h>

#include "compute_lanes.h"
#include "munit/errors.h"
#include "munit/live_values.h"
#include "torch_state.h"

namespace flow = tbb::flow;

namespace munit {
namespace {

using Clock = std::chrono::steady_clock;

// One node's outputs for one frame, then its `done` signal.
struct Bundle {
  FrameId id = 0;
  int producer = -1;
  bool dropped = false;
  std::vector<Packet> outputs;
};
using Message = std::shared_ptr<const Bundle>;

// The outputs of every producer of a node, for one frame, in the order of ResolvedNode::upstream.
struct Gathered {
  FrameId id = 0;
  bool dropped = false;
  std::vector<Message> from;
};
using GatheredPtr = std::shared_ptr<const Gathered>;

using GatherNode = flow::multifunction_node<Message, std::tuple<GatheredPtr>>;
using WorkNode = flow::function_node<GatheredPtr, Message>;

// Training order: frame i + 1 enters the model region (the nodes that declare they read or change
// model parameters, NodeSchema::model_region) only when every node of that region has finished
// frame i, so each forward pass sees the parameters of the previous frame's optimizer steps.
// Loading and augmentation run ahead.
class ModelGate {
 public:
  ModelGate(int region_size, FrameId first_frame) : region_size_(region_size), open_(first_frame) {}

  // Hands `frame` to `target` now, or once the region has finished the frame before it.
  void arrive(const GatheredPtr& frame, WorkNode* target) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (frame->id > open_) {
        waiting_.emplace(frame->id, std::make_pair(frame, target));
        return;
      }
    }
    target->try_put(frame);
  }

  // A node of the region has finished `frame` (processed or dropped).
  void finished(FrameId frame) {
    std::vector<std::pair<GatheredPtr, WorkNode*>> released;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (++counts_[frame] < region_size_) return;
      counts_.erase(frame);
      open_ = frame + 1;
      auto end = waiting_.upper_bound(open_);
      for (auto it = waiting_.begin(); it != end; ++it) released.push_back(it->second);
      waiting_.erase(waiting_.begin(), end);
    }
    for (auto& [message, target] : released) target->try_put(message);
  }

 private:
  std::mutex mutex_;
  const int region_size_;
  FrameId open_;  // the newest frame allowed in
  std::map<FrameId, int> counts_;
  std::multimap<FrameId, std::pair<GatheredPtr, WorkNode*>> waiting_;
};

// Atomically raises `target` to at least `value`, or lowers it to at most `value`.
template <class T>
void raise_to(std::atomic<T>& target, T value) {
  for (T seen = target; value > seen && !target.compare_exchange_weak(seen, value);) {
  }
}
template <class T>
void lower_to(std::atomic<T>& target, T value) {
  for (T seen = target; value < seen && !target.compare_exchange_weak(seen, value);) {
  }
}

std::uint64_t fnv1a(std::uint64_t seed, const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull ^ seed;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

struct NodeRuntime {
  const ResolvedNode* spec = nullptr;
  std::shared_ptr<void> library;  // declared before `node`: the plugin outlives its node
  std::unique_ptr<Node> node;
  std::vector<std::vector<int>> slots_of_input;  // per schema input: indices into Gathered::from
  std::vector<std::vector<std::string>> sources_of_input;  // per schema input: "node.port" names
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};
  std::atomic<std::int64_t> frames{0};
  std::atomic<std::int64_t> busy_ns{0};
};

// Counts a node's invocations in progress, and the most seen at once.
class ActiveCount {
 public:
  explicit ActiveCount(NodeRuntime& runtime) : runtime_(runtime) { raise_to(runtime.max_active, ++runtime.active); }
  ~ActiveCount() { --runtime_.active; }

 private:
  NodeRuntime& runtime_;
};

class Run {
 public:
  Run(const Pipeline& pipeline, const RunOptions& options) : pipeline_(pipeline), options_(options) {
    const auto& settings = pipeline.settings;
    // Deterministic: one thread and one frame at a time, so every frame runs its nodes in the same
    // order, and autograd sums gradients in the same order, whether or not the run was resumed.
    threads_ = settings.deterministic ? 1 : settings.threads > 0 ? settings.threads : tbb::info::default_concurrency();
    // Auto: independent frames in a parallel compute node scale better across lanes than one
    // convolution across OpenMP threads (tests/bench/threads_bench.cpp); a chain of serial
    // compute nodes gets every thread in one lane.
    const bool parallel_compute = std::any_of(pipeline.nodes.begin(), pipeline.nodes.end(), [](const ResolvedNode& node) {
      return node.schema().compute && node.schema().concurrency == Concurrency::Parallel;
    });
    const int auto_intra = parallel_compute ? 1 : threads_;
    torch_.intra_op_threads = std::clamp(settings.intra_op_threads > 0 ? settings.intra_op_threads : auto_intra, 1, threads_);
    lane_count_ = settings.compute_lanes > 0 ? settings.compute_lanes : std::max(1, threads_ / torch_.intra_op_threads);
    // Fully automatic threading: lanes share the cores, a node alone on them gets them all.
    share_cores_ = settings.intra_op_threads == 0 && settings.compute_lanes == 0 && !settings.deterministic;
    lanes_ = std::make_unique<ComputeLanes>(lane_count_, share_cores_ ? threads_ : 0);
    torch_.training = settings.mode == Mode::Train;
    torch_.precision = settings.precision;
    torch_.device = resolve_device(settings.device, settings.precision);
    configure_backend(torch_, settings.deterministic);
    log_ = spdlog::default_logger()->clone("munit");
    log_->set_level(spdlog::level::from_str(settings.log_level));
    if (torch_.device == "cpu" && settings.precision == "bf16" && !cpu_computes_bf16())
      log_->warn("precision = \"bf16\": this CPU has neither AVX-512 BF16 nor AMX, so its bf16 convolutions "
                 "run on generic kernels, 10-20x slower than fp32; set precision = \"fp32\"");
    seed_torch(settings.seed);
    next_frame_ = settings.first_frame;
    use_one_intra_op_thread();
    create_resources();
    create_nodes();
  }

  RunStats execute() {
    // TBB caps workers at the core count unless told otherwise; `threads` may ask for more.
    tbb::global_control allow(tbb::global_control::max_allowed_parallelism, std::max<std::size_t>(threads_, 2));
    tbb::task_arena arena(threads_);
    const std::string compute =
        share_cores_ ? fmt::format("{} compute lane(s) sharing the cores", lane_count_)
                     : fmt::format("{} intra-op thread(s) × {} compute lane(s)", torch_.intra_op_threads, lane_count_);
    log_->info("running {} ({} nodes) on {}, {} threads, {}, {} frames in flight", pipeline_.file,
               pipeline_.nodes.size(), torch_.device, threads_, compute,
               pipeline_.settings.deterministic ? 1 : pipeline_.settings.frames_in_flight);
    if (!pipeline_.left_out.empty())
      log_->info("left out, contributing nothing (a parameter such as a loss weight is 0, or they feed only such "
                 "nodes): {}", fmt::join(pipeline_.left_out, ", "));
    const auto start = Clock::now();
    last_progress_ = start;
    arena.execute([&] {  // a flow graph runs in the arena it was created in
      graph_ = std::make_unique<flow::graph>();
      build_graph();
      ticker_->activate();
      graph_->wait_for_all();
    });
    RunStats stats;
    stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!error_.empty()) {
      if (error_is_users_) throw UserError(std::vector<Diagnostic>{{{pipeline_.file}, {}, error_}});
      throw RunError(error_);
    }
    arena.execute([&] { close_nodes(); });
    stats.frames = frames_done_;
    stats.max_in_flight = max_in_flight_;
    stats.interrupted = interrupted_;
    for (const auto& runtime : runtimes_) {
      stats.nodes.push_back({runtime->spec->id, runtime->frames.load(), runtime->busy_ns.load() * 1e-9,
                             runtime->max_active.load()});
    }
    log_->info("{} frames in {:.2f} s{}", stats.frames, stats.seconds, interrupted_ ? " (interrupted)" : "");
    return stats;
  }

 private:
  void create_resources() {
    for (const auto& resource : pipeline_.resources) {
      ResourceContext context{resource.name, resource.params, &resources_,
                              fnv1a(pipeline_.settings.seed, resource.name), torch_.device,
                              pipeline_.settings.channels_last};
      try {
        resource.kind->instantiate(context, resources_);
        resource_libraries_.push_back(resource.kind->library);
      } catch (const UserError& e) {
        throw UserError(std::vector<Diagnostic>{
            {{pipeline_.file}, "[" + resource.section + "." + resource.name + "] (" + resource.kind->schema.kind + ")", e.what()}});
      } catch (const std::exception& e) {
        throw RunError("resource '" + resource.name + "' (" + resource.kind->schema.kind + ") could not be created: " + e.what());
      }
    }
  }

  void create_nodes() {
    for (const auto& spec : pipeline_.nodes) {
      auto runtime = std::make_unique<NodeRuntime>();
      runtime->spec = &spec;
      runtime->library = spec.kind->library;
      for (const auto& bindings : spec.inputs) {
        std::vector<int> slots;
        for (const auto& binding : bindings)
          slots.push_back(static_cast<int>(std::find(spec.upstream.begin(), spec.upstream.end(), binding.producer) -
                                           spec.upstream.begin()));
        runtime->slots_of_input.push_back(std::move(slots));
        std::vector<std::string> names;
        for (const auto& binding : bindings) {
          const ResolvedNode& producer = pipeline_.nodes[binding.producer];
          const auto& outputs = producer.schema().outputs;
          names.push_back(producer.id + "." +
                          (binding.port < static_cast<int>(outputs.size()) ? outputs[binding.port].name : std::string(kDonePort)));
        }
        runtime->sources_of_input.push_back(std::move(names));
      }
      NodeContext context;
      context.id = spec.id;
      context.params = spec.params;
      context.resources = &resources_;
      context.log = spdlog::default_logger()->clone(spec.id);
      context.log->set_level(spdlog::level::from_str(spec.log_level.empty() ? pipeline_.settings.log_level : spec.log_level));
      context.seed = fnv1a(pipeline_.settings.seed, spec.id);
      context.device = torch_.device;
      context.training = torch_.training;
      context.precision = torch_.precision;
      context.channels_last = pipeline_.settings.channels_last;
      context.live_values = &live_values_;
      context.interrupted = &interrupted_;
      std::string where = "node '" + spec.id + "' (" + spec.schema().kind + ")";
      try {
        TorchScope scope(torch_, 1);
        runtime->node = spec.kind->create(context);
      } catch (const UserError& e) {
        throw UserError(std::vector<Diagnostic>{{spec.where, where, e.what()}});
      } catch (const c10::Error& e) {
        throw RunError(where + " could not be created: " + e.what_without_backtrace());
      } catch (const std::exception& e) {
        throw RunError(where + " could not be created: " + e.what());
      }
      runtimes_.push_back(std::move(runtime));
    }
  }

  template <class T, class... Args>
  T& make(Args&&... args) {
    auto node = std::make_unique<T>(std::forward<Args>(args)...);
    T& ref = *node;
    flow_nodes_.push_back(std::move(node));
    return ref;
  }

  // Collects one message from each producer per frame id, then emits them together.
  GatherNode& make_gather(std::vector<int> producers) {
    struct Pending {
      std::size_t arrived = 0;
      std::vector<Message> from;
    };
    auto pending = std::make_shared<std::map<FrameId, Pending>>();
    return make<GatherNode>(*graph_, flow::serial,
                            [producers = std::move(producers), pending](const Message& message, GatherNode::output_ports_type& ports) {
                              Pending& entry = (*pending)[message->id];
                              if (entry.from.empty()) entry.from.resize(producers.size());
                              auto slot = std::find(producers.begin(), producers.end(), message->producer) - producers.begin();
                              entry.from[slot] = message;
                              if (++entry.arrived < producers.size()) return;
                              auto gathered = std::make_shared<Gathered>();
                              gathered->id = message->id;
                              gathered->from = std::move(entry.from);
                              gathered->dropped = std::any_of(gathered->from.begin(), gathered->from.end(),
                                                              [](const Message& m) { return m->dropped; });
                              pending->erase(message->id);
                              std::get<0>(ports).try_put(gathered);
                            });
  }

  void build_graph() {
    const int frames_in_flight = pipeline_.settings.deterministic ? 1 : pipeline_.settings.frames_in_flight;
    ticker_ = &make<flow::input_node<FrameId>>(*graph_, [this](tbb::flow_control& control) -> FrameId {
      const std::int64_t limit = pipeline_.settings.frames;
      if (options_.interrupt && options_.interrupt->load()) interrupted_ = true;
      if (failed_ || interrupted_ || next_frame_ >= end_frame_ || (limit > 0 && next_frame_ >= limit)) {
        control.stop();
        return 0;
      }
      return next_frame_++;
    });
    auto& limiter = make<flow::limiter_node<FrameId>>(*graph_, frames_in_flight);
    auto& starter = make<flow::function_node<FrameId, GatheredPtr>>(*graph_, flow::unlimited, [this](FrameId id) {
      raise_to(max_in_flight_, ++in_flight_);
      auto frame = std::make_shared<Gathered>();
      frame->id = id;
      return GatheredPtr(frame);
    });
    flow::make_edge(*ticker_, limiter);
    flow::make_edge(limiter, starter);

    const int n = static_cast<int>(runtimes_.size());
    std::vector<bool> in_region(n, false);
    if (torch_.training) {
      for (int i = 0; i < n; ++i) in_region[i] = runtimes_[i]->spec->schema().model_region;
      const int region_size = static_cast<int>(std::count(in_region.begin(), in_region.end(), true));
      if (region_size > 0) gate_ = std::make_unique<ModelGate>(region_size, pipeline_.settings.first_frame);
    }
    std::vector<WorkNode*> work(n);
    std::vector<bool> consumed(n, false);
    for (int i = 0; i < n; ++i) {
      const ResolvedNode& spec = *runtimes_[i]->spec;
      const bool serial = spec.schema().concurrency == Concurrency::Serial;
      const bool gated = in_region[i];
      work[i] = &make<WorkNode>(*graph_, serial ? flow::serial : flow::unlimited, [this, i, gated](const GatheredPtr& in) {
        Message out = invoke(i, *in);
        if (gated) gate_->finished(in->id);
        return out;
      });
      flow::receiver<GatheredPtr>* entry = work[i];
      if (gated) {  // the gate hands frames to the node itself, in order
        WorkNode* target = work[i];
        entry = &make<flow::function_node<GatheredPtr, flow::continue_msg>>(
            *graph_, flow::unlimited, [this, target](const GatheredPtr& in) {
              gate_->arrive(in, target);
              return flow::continue_msg();
            });
      }
      if (serial) {  // restore frame order, which parallel producers do not keep
        auto& sequencer = make<flow::sequencer_node<GatheredPtr>>(
            *graph_, [first = pipeline_.settings.first_frame](const GatheredPtr& frame) {
              return static_cast<std::size_t>(frame->id - first);  // sequence numbers count from 0
            });
        flow::make_edge(sequencer, *entry);
        entry = &sequencer;
      }
      if (spec.upstream.empty()) {
        flow::make_edge(starter, *entry);
      } else {
        GatherNode& gather = make_gather(spec.upstream);
        for (int producer : spec.upstream) {
          flow::make_edge(*work[producer], gather);
          consumed[producer] = true;
        }
        flow::make_edge(flow::output_port<0>(gather), *entry);
      }
    }

    std::vector<int> leaves;
    for (int i = 0; i < n; ++i)
      if (!consumed[i]) leaves.push_back(i);
    GatherNode& last = make_gather(leaves);
    for (int leaf : leaves) flow::make_edge(*work[leaf], last);
    auto& sink = make<flow::function_node<GatheredPtr, flow::continue_msg>>(
        *graph_, flow::serial, [this](const GatheredPtr& frame) {
          if (!frame->dropped) {
            ++frames_done_;
            if (options_.on_frame_done) options_.on_frame_done(frame->id);
          }
          --in_flight_;
          report_progress();
          return flow::continue_msg();
        });
    flow::make_edge(flow::output_port<0>(last), sink);
    flow::make_edge(sink, limiter.decrementer());
  }

  Message invoke(int index, const Gathered& in) {
    NodeRuntime& runtime = *runtimes_[index];
    const ResolvedNode& spec = *runtime.spec;
    const NodeSchema& schema = spec.schema();
    auto out = std::make_shared<Bundle>();
    out->id = in.id;
    out->producer = index;
    if (in.dropped || failed_ || in.id >= end_frame_) {
      out->dropped = true;
      return out;
    }
    std::vector<Frame::Input> inputs;
    for (std::size_t k = 0; k < schema.inputs.size(); ++k) {
      Frame::Input input{schema.inputs[k].name, {}, &runtime.sources_of_input[k]};
      for (std::size_t j = 0; j < spec.inputs[k].size(); ++j)
        input.packets.push_back(&in.from[runtime.slots_of_input[k][j]]->outputs[spec.inputs[k][j].port]);
      inputs.push_back(std::move(input));
    }
    Frame frame(in.id, std::move(inputs), schema.outputs);

    std::string failure;
    bool user_fault = false;
    try {
      auto work = [&](int threads) {
        TorchScope scope(torch_, threads);
        ActiveCount active(runtime);
        const auto start = Clock::now();
        runtime.node->process(frame);
        if (options_.synchronize_nodes) synchronize_device(torch_);
        if (in.id >= options_.measure_from)
          runtime.busy_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
        ++runtime.frames;
      };
      if (schema.compute)
        lanes_->run(work);
      else
        work(1);
    } catch (const UserError& e) {
      failure = e.what();
      user_fault = true;
    } catch (const c10::Error& e) {
      failure = e.what_without_backtrace();
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "an unknown exception";
    }
    if (failure.empty() && frame.ended()) {
      if (!schema.is_source()) {
        failure = "only a source may end the stream";
      } else {
        lower_to(end_frame_, in.id);
        out->dropped = true;
        return out;
      }
    }
    if (failure.empty() && frame.skipped()) {
      out->dropped = true;
      return out;
    }
    for (std::size_t k = 0; failure.empty() && k < schema.outputs.size(); ++k)
      if (frame.outputs()[k].empty()) failure = "it produced nothing on output '" + schema.outputs[k].name + "'";
    if (!failure.empty()) {
      fail(spec, in.id, failure, user_fault);
      out->dropped = true;
      return out;
    }
    out->outputs = std::move(frame.outputs());
    out->outputs.push_back(done_);
    return out;
  }

  void fail(const ResolvedNode& spec, FrameId frame, const std::string& message, bool user_fault) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (!failed_) {
      error_ = "node '" + spec.id + "' (" + spec.schema().kind + ") failed on frame " + std::to_string(frame) + ": " + message;
      error_is_users_ = user_fault;
      failed_ = true;
    }
  }

  void report_progress() {  // runs in the serial sink
    if (options_.progress_every_seconds <= 0) return;
    const auto now = Clock::now();
    if (std::chrono::duration<double>(now - last_progress_).count() < options_.progress_every_seconds) return;
    const double rate = (frames_done_ - frames_at_last_progress_) / std::chrono::duration<double>(now - last_progress_).count();
    const std::int64_t at = pipeline_.settings.first_frame + frames_done_;
    if (const std::int64_t end = pipeline_.settings.frames; end > 0 && rate > 0) {
      const auto eta = static_cast<std::int64_t>((end - at) / rate);
      log_->info("frame {}/{} ({:.2f} frames/s, ETA {}h{:02d}m{:02d}s){}", at, end, rate, eta / 3600, eta / 60 % 60,
                 eta % 60, live_values_.line());
    } else {
      log_->info("frame {} ({:.2f} frames/s){}", at, rate, live_values_.line());
    }
    last_progress_ = now;
    frames_at_last_progress_ = frames_done_;
  }

  // On a compute lane, as frames are: the lanes are idle by now, so a node's last work (a final
  // sample sheet runs both generators) gets every core.
  void close_nodes() {
    for (auto& runtime : runtimes_) {
      const ResolvedNode& spec = *runtime->spec;
      try {
        lanes_->run([&](int threads) {
          TorchScope scope(torch_, threads);
          runtime->node->close();
        });
      } catch (const UserError& e) {
        throw UserError(std::vector<Diagnostic>{{{pipeline_.file}, "node '" + spec.id + "' (" + spec.schema().kind + ")", e.what()}});
      } catch (const std::exception& e) {
        throw RunError("node '" + spec.id + "' (" + spec.schema().kind + ") failed while closing: " + e.what());
      }
    }
  }

  const Pipeline& pipeline_;
  const RunOptions& options_;
  int threads_ = 1;
  int lane_count_ = 1;
  TorchSettings torch_;
  std::unique_ptr<ComputeLanes> lanes_;
  bool share_cores_ = false;
  std::unique_ptr<ModelGate> gate_;  // train mode, when some node names a model or optimizer
  const Packet done_ = Packet::of(Signal{});  // every node's `done` output: one shared packet
  std::shared_ptr<spdlog::logger> log_;

  std::vector<std::shared_ptr<void>> resource_libraries_;  // before resources_: outlives them
  Resources resources_;
  LiveValues live_values_;
  std::vector<std::unique_ptr<NodeRuntime>> runtimes_;

  std::unique_ptr<flow::graph> graph_;  // before the flow nodes, which must be destroyed first
  std::vector<std::unique_ptr<flow::graph_node>> flow_nodes_;
  flow::input_node<FrameId>* ticker_ = nullptr;

  FrameId next_frame_ = 0;  // used by the ticker only; starts at the pipeline's first_frame
  std::atomic<FrameId> end_frame_{std::numeric_limits<FrameId>::max()};
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> max_in_flight_{0};
  std::atomic<std::int64_t> frames_done_{0};
  std::int64_t frames_at_last_progress_ = 0;
  Clock::time_point last_progress_;
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> failed_{false};
  std::mutex error_mutex_;
  std::string error_;
  bool error_is_users_ = false;  // the node threw UserError (bad input: exit code 2)
};

}  // namespace

RunStats run_pipeline(const Pipeline& pipeline, const RunOptions& options) {
  Run run(pipeline, options);
  return run.execute();
}

}  // namespace munit
