#include "onednn_conv.h"

#ifdef MUNIT_HAVE_ONEDNN

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <dnnl.hpp>
#include <torch/torch.h>

#include "munit/tensor.h"

namespace munit::model {
namespace {

using dnnl::memory;

dnnl::engine& cpu() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

memory::data_type type_of(at::ScalarType type) {
  return type == at::kBFloat16 ? memory::data_type::bf16 : memory::data_type::f32;
}

memory::dims dims_of(at::IntArrayRef values) { return memory::dims(values.begin(), values.end()); }

// A strided tensor as oneDNN describes it.
memory::desc desc_of(const at::Tensor& t) {
  return memory::desc(dims_of(t.sizes()), type_of(t.scalar_type()), dims_of(t.strides()));
}

memory::desc any(at::IntArrayRef sizes, memory::data_type type) {
  return memory::desc(dims_of(sizes), type, memory::format_tag::any);
}

// Memory in some layout, with the tensor that owns its bytes.
struct Laid {
  at::Tensor owner;
  memory mem;
};

Laid allocate(const memory::desc& desc) {
  at::Tensor bytes = at::empty({static_cast<std::int64_t>(desc.get_size())}, at::TensorOptions().dtype(at::kByte));
  return {bytes, memory(desc, cpu(), bytes.data_ptr())};
}

// `from` in layout (and type) `want`: itself when they agree, else a reordered copy.
Laid lay_out(const Laid& from, const memory::desc& want, dnnl::stream& stream) {
  if (from.mem.get_desc() == want) return from;
  Laid to = allocate(want);
  dnnl::reorder(from.mem, to.mem).execute(stream, const_cast<memory&>(from.mem), to.mem);
  return to;
}

Laid view(const at::Tensor& t) { return {t, memory(desc_of(t), cpu(), t.data_ptr())}; }

// Where a primitive writes a result bound for tensor `to`: `to` itself when its layout is `want`.
Laid output_for(const at::Tensor& to, const memory::desc& want) {
  Laid target = view(to);
  return target.mem.get_desc() == want ? target : allocate(want);
}

// Finishes output_for: moves the result into `to` unless it is there already.
void deliver(const Laid& result, const at::Tensor& to, dnnl::stream& stream) {
  if (result.owner.is_same(to)) return;
  Laid target = view(to);
  dnnl::reorder(result.mem, target.mem).execute(stream, const_cast<memory&>(result.mem), target.mem);
}

// The tensor layout a result in `desc` needs no reorder into: channels_last when the kernel
// writes NHWC (oneDNN's AMX and AVX-512 kernels do), so a bf16 network stays NHWC between its
// convolutions instead of reordering every activation and gradient twice; else `otherwise`.
at::MemoryFormat format_for(const memory::desc& desc, at::MemoryFormat otherwise) {
  if (desc == memory::desc(desc.dims(), desc.data_type(), memory::format_tag::acdb)) return at::MemoryFormat::ChannelsLast;
  if (desc == memory::desc(desc.dims(), desc.data_type(), memory::format_tag::abcd)) return at::MemoryFormat::Contiguous;
  return otherwise;
}

// The three primitives of one convolution shape, made once: oneDNN's JIT compiles each.
struct Primitives {
  dnnl::convolution_forward::primitive_desc forward_pd;
  dnnl::convolution_forward forward;
  dnnl::convolution_backward_data::primitive_desc backward_data_pd;
  dnnl::convolution_backward_data backward_data;
  dnnl::convolution_backward_weights::primitive_desc backward_weights_pd;
  dnnl::convolution_backward_weights backward_weights;
};

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

std::shared_ptr<Primitives> make_primitives(at::IntArrayRef src_sizes, at::IntArrayRef weight_sizes, bool bias,
                                            std::int64_t stride, memory::data_type type) {
  const memory::dims strides{stride, stride}, pads{0, 0};
  const std::int64_t oh = (src_sizes[2] - weight_sizes[2]) / stride + 1, ow = (src_sizes[3] - weight_sizes[3]) / stride + 1;
  const std::vector<std::int64_t> dst_sizes{src_sizes[0], weight_sizes[0], oh, ow};
  const memory::desc src = any(src_sizes, type), weights = any(weight_sizes, type), dst = any(dst_sizes, type);
  // The bias in fp32 also in bf16. In bf16 the weight gradient is bf16 (as under autocast; oneDNN's
  // AMX kernels for an fp32 one are 3x slower) and the bias gradient a sum in ATen.
  const bool bf16 = type == memory::data_type::bf16;
  const memory::desc bias_desc = bias ? memory::desc({weight_sizes[0]}, memory::data_type::f32, memory::format_tag::a)
                                      : memory::desc();
  const memory::desc diff_weights = any(weight_sizes, type);
  const auto attr = user_scratchpad();
  auto p = std::make_shared<Primitives>();
  p->forward_pd = dnnl::convolution_forward::primitive_desc(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src,
                                      weights, bias_desc, dst, strides, pads, pads),
      attr, cpu());
  p->forward = dnnl::convolution_forward(p->forward_pd);
  p->backward_data_pd = dnnl::convolution_backward_data::primitive_desc(
      dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, src, weights, dst, strides, pads, pads),
      attr, cpu(), p->forward_pd);
  p->backward_data = dnnl::convolution_backward_data(p->backward_data_pd);
  p->backward_weights_pd = dnnl::convolution_backward_weights::primitive_desc(
      dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, src, diff_weights,
                                               bf16 ? memory::desc() : bias_desc, dst, strides, pads, pads),
      attr, cpu(), p->forward_pd);
  p->backward_weights = dnnl::convolution_backward_weights(p->backward_weights_pd);
  return p;
}

std::shared_ptr<Primitives> primitives(at::IntArrayRef src_sizes, at::IntArrayRef weight_sizes, bool bias,
                                       std::int64_t stride, memory::data_type type, int threads = at::get_num_threads()) {
  // oneDNN fixes a primitive's work split for the calling thread's OpenMP team size at creation.
  using Key = std::tuple<std::vector<std::int64_t>, std::vector<std::int64_t>, bool, std::int64_t, memory::data_type, int>;
  static std::mutex mutex;
  static std::map<Key, std::shared_ptr<Primitives>> made;
  Key key{src_sizes.vec(), weight_sizes.vec(), bias, stride, type, threads};
  std::lock_guard<std::mutex> lock(mutex);
  if (auto found = made.find(key); found != made.end()) return found->second;
  if (made.size() >= 512) made.clear();  // many input sizes (translate over mixed images): start over
  return made[key] = make_primitives(src_sizes, weight_sizes, bias, stride, type);
}

}  // namespace

bool onednn_conv_built() { return true; }

bool onednn_conv_has_bf16() {
  static const bool has = [] {  // found by making one
    try {
      primitives({1, 16, 3, 3}, {16, 16, 3, 3}, false, 1, memory::data_type::bf16, 1);
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return has;
}

class ConvWeights {
 public:
  // `weight` laid out as `want`, from the last call when neither has changed.
  Laid get(const at::Tensor& weight, const memory::desc& want, dnnl::stream& stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    const void* data = weight.data_ptr();
    const std::int64_t version = weight._version();
    for (const Entry& e : entries_)
      if (e.data == data && e.version == version && e.laid.mem.get_desc() == want) return e.laid;
    if (!entries_.empty() && (entries_.front().data != data || entries_.front().version != version)) entries_.clear();
    if (entries_.size() >= 4) entries_.erase(entries_.begin());
    // fp32 to bf16 in ATen first: oneDNN's reorders that also convert are several times slower.
    const at::Tensor typed = want.data_type() == memory::data_type::bf16 ? weight.to(at::kBFloat16) : weight;
    entries_.push_back({data, version, lay_out(view(typed), want, stream)});
    return entries_.back().laid;
  }

 private:
  struct Entry {
    const void* data;
    std::int64_t version;
    Laid laid;
  };
  std::mutex mutex_;
  std::vector<Entry> entries_;
};

namespace {

class ConvFunction : public torch::autograd::Function<ConvFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const at::Tensor& bias, std::int64_t stride, ConvWeights* cache, bool bf16,
                            bool input_gradient) {
    RECORD_FUNCTION("munit::onednn_conv2d", std::vector<c10::IValue>());  // for `munit bench --ops`
    const at::ScalarType type = bf16 ? at::kBFloat16 : at::kFloat;
    const at::Tensor src = x.to(type).contiguous(x.suggest_memory_format());
    auto p = primitives(src.sizes(), weight.sizes(), bias.defined(), stride, type_of(type));
    dnnl::stream stream(cpu());
    const Laid src_laid = lay_out(view(src), p->forward_pd.src_desc(), stream);
    const Laid weights = cache->get(weight, p->forward_pd.weights_desc(), stream);
    const at::Tensor bias_f32 = bias.defined() ? bias.to(at::kFloat).contiguous() : at::Tensor();
    const auto dst_dims = p->forward_pd.dst_desc().dims();
    at::Tensor out = at::empty(at::IntArrayRef(dst_dims.data(), dst_dims.size()),
                               src.options().memory_format(format_for(p->forward_pd.dst_desc(), src.suggest_memory_format())));
    const Laid dst = output_for(out, p->forward_pd.dst_desc());
    const Laid pad = allocate(p->forward_pd.scratchpad_desc());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src_laid.mem},
                                         {DNNL_ARG_WEIGHTS, weights.mem},
                                         {DNNL_ARG_DST, dst.mem},
                                         {DNNL_ARG_SCRATCHPAD, pad.mem}};
    if (bias.defined()) args.emplace(DNNL_ARG_BIAS, view(bias_f32).mem);
    p->forward.execute(stream, args);
    deliver(dst, out, stream);
    stream.wait();

    // The backward pass reads the input as the forward's kernel read it when the weight-gradient
    // kernel reads it alike (the input is mostly a padded copy that only this convolution holds,
    // so keeping the laid-out one instead costs no memory and saves a reorder), else as given;
    // and, in bf16, the weight as its kernel reads it, laid out once per weight change; in fp32 the
    // forward's layout, reordered per call (a second fp32 copy of every weight costs more memory
    // than the reorders cost time).
    const bool keep_laid_out = src_laid.mem.get_desc() == p->backward_weights_pd.src_desc();
    ctx->saved_data["src"] = keep_laid_out ? src_laid.owner : src;
    ctx->saved_data["src_laid_out"] = keep_laid_out;
    ctx->saved_data["threads"] = static_cast<std::int64_t>(at::get_num_threads());  // whose layouts the saved bytes have
    if (input_gradient)
      ctx->saved_data["weights"] = bf16 ? cache->get(weight, p->backward_data_pd.weights_desc(), stream).owner : weights.owner;
    ctx->saved_data["x_type"] = static_cast<std::int64_t>(x.scalar_type());
    ctx->saved_data["x_channels_last"] = x.suggest_memory_format() == at::MemoryFormat::ChannelsLast;
    ctx->saved_data["src_sizes"] = src.sizes().vec();
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["bf16"] = bf16;
    ctx->saved_data["bias"] = bias.defined();
    ctx->save_for_backward({weight});  // its shape, type and layout for the gradient
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const at::Tensor weight = ctx->get_saved_variables()[0];
    const bool bf16 = ctx->saved_data["bf16"].toBool(), has_bias = ctx->saved_data["bias"].toBool();
    const at::ScalarType type = bf16 ? at::kBFloat16 : at::kFloat;
    const auto src_sizes = ctx->saved_data["src_sizes"].toIntVector();
    const std::int64_t stride = ctx->saved_data["stride"].toInt();
    auto p = primitives(src_sizes, weight.sizes(), has_bias, stride, type_of(type));
    // The saved input and weight are in the layouts of the forward's primitives, made for its
    // thread count; this thread's may lay out differently (then they are reordered).
    auto forward_p = primitives(src_sizes, weight.sizes(), has_bias, stride, type_of(type),
                                static_cast<int>(ctx->saved_data["threads"].toInt()));
    dnnl::stream stream(cpu());
    if (!grads[0].defined()) return torch::autograd::variable_list(7);
    const Laid grad_out = view(grads[0].to(type).contiguous(grads[0].suggest_memory_format()));

    at::Tensor grad_x, grad_weight, grad_bias;
    Laid diff_dst_for_data;  // reused by the weight gradient where its kernel reads the same layout
    if (ctx->needs_input_grad(0)) {
      const auto& pd = p->backward_data_pd;
      const Laid diff_dst = diff_dst_for_data = lay_out(grad_out, pd.diff_dst_desc(), stream);
      const at::Tensor saved_weights = ctx->saved_data["weights"].toTensor();
      const memory::desc saved_desc = bf16 ? forward_p->backward_data_pd.weights_desc() : forward_p->forward_pd.weights_desc();
      const Laid weights = lay_out({saved_weights, memory(saved_desc, cpu(), saved_weights.data_ptr())}, pd.weights_desc(), stream);
      const auto memory_format = format_for(pd.diff_src_desc(), ctx->saved_data["x_channels_last"].toBool()
                                                                    ? at::MemoryFormat::ChannelsLast
                                                                    : at::MemoryFormat::Contiguous);
      grad_x = at::empty(src_sizes, at::TensorOptions().dtype(type).memory_format(memory_format));
      const Laid diff_src = output_for(grad_x, pd.diff_src_desc());
      const Laid pad = allocate(pd.scratchpad_desc());
      p->backward_data.execute(stream, {{DNNL_ARG_DIFF_DST, diff_dst.mem},
                                        {DNNL_ARG_WEIGHTS, weights.mem},
                                        {DNNL_ARG_DIFF_SRC, diff_src.mem},
                                        {DNNL_ARG_SCRATCHPAD, pad.mem}});
      deliver(diff_src, grad_x, stream);
    }
    if (ctx->needs_input_grad(1) || ctx->needs_input_grad(2)) {
      const auto& pd = p->backward_weights_pd;
      const at::Tensor saved_src = ctx->saved_data["src"].toTensor();
      const Laid saved = ctx->saved_data["src_laid_out"].toBool()
                             ? Laid{saved_src, memory(forward_p->backward_weights_pd.src_desc(), cpu(), saved_src.data_ptr())}
                             : view(saved_src);
      const Laid src = lay_out(saved, pd.src_desc(), stream);
      const bool reuse = diff_dst_for_data.owner.defined() && diff_dst_for_data.mem.get_desc() == pd.diff_dst_desc();
      const Laid diff_dst = reuse ? diff_dst_for_data : lay_out(grad_out, pd.diff_dst_desc(), stream);
      grad_weight = at::empty_like(weight, weight.options().dtype(type), at::MemoryFormat::Preserve);
      const Laid diff_weights = output_for(grad_weight, pd.diff_weights_desc());
      const Laid pad = allocate(pd.scratchpad_desc());
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src.mem},
                                           {DNNL_ARG_DIFF_DST, diff_dst.mem},
                                           {DNNL_ARG_DIFF_WEIGHTS, diff_weights.mem},
                                           {DNNL_ARG_SCRATCHPAD, pad.mem}};
      if (has_bias && !bf16) {
        grad_bias = at::empty({weight.size(0)}, at::TensorOptions().dtype(at::kFloat));
        args.emplace(DNNL_ARG_DIFF_BIAS, view(grad_bias).mem);
      }
      p->backward_weights.execute(stream, args);
      deliver(diff_weights, grad_weight, stream);
    }
    stream.wait();
    if (grad_weight.defined()) grad_weight = grad_weight.to(at::kFloat);
    if (has_bias && bf16 && ctx->needs_input_grad(2)) grad_bias = grads[0].sum({0, 2, 3}, false, at::kFloat);
    if (grad_x.defined()) grad_x = grad_x.to(static_cast<at::ScalarType>(ctx->saved_data["x_type"].toInt()));
    return {grad_x, grad_weight, grad_bias, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

bool computes_bf16(const at::Tensor& x) { return x.scalar_type() == at::kBFloat16 || cpu_bf16_autocast(); }

}  // namespace

std::shared_ptr<ConvWeights> make_conv_weights() { return std::make_shared<ConvWeights>(); }

bool onednn_conv_runs(const at::Tensor& x, const at::Tensor& weight) {
  return x.device().is_cpu() && x.dim() == 4 && weight.dim() == 4 && weight.scalar_type() == at::kFloat &&
         (!computes_bf16(x) || onednn_conv_has_bf16());
}

bool onednn_conv_fits(const at::Tensor& x, const at::Tensor& weight) {
  static const bool off = std::getenv("MUNIT_NO_ONEDNN") != nullptr;  // LibTorch's convolutions, to compare
  // bf16 only. In fp32 the gain was within noise (2.36-2.51 against 2.50-2.55 s per 128 px
  // iteration) and the laid-out fp32 weights raised peak memory to 1.39x the official code's;
  // LibTorch's own convolutions keep fp32 exactly as before.
  return !off && (x.scalar_type() == at::kBFloat16 || x.scalar_type() == at::kFloat) && computes_bf16(x) &&
         onednn_conv_runs(x, weight);
}

at::Tensor onednn_conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, std::int64_t stride,
                         ConvWeights& weights) {
  const bool bf16 = computes_bf16(x);
  // Function::apply runs forward without grad mode: whether x will want a gradient is known here.
  const bool input_gradient = torch::GradMode::is_enabled() && x.requires_grad();
  // An autograd function takes no undefined tensor: no bias is a zero one, which changes no value.
  const at::Tensor b = bias.defined() ? bias : at::zeros({weight.size(0)}, weight.options());
  return ConvFunction::apply(x, weight, b, stride, &weights, bf16, input_gradient);
}

}  // namespace munit::model

#else  // built without oneDNN

namespace munit::model {

class ConvWeights {};
std::shared_ptr<ConvWeights> make_conv_weights() { return std::make_shared<ConvWeights>(); }
bool onednn_conv_built() { return false; }
bool onednn_conv_has_bf16() { return false; }
bool onednn_conv_runs(const at::Tensor&, const at::Tensor&) { return false; }
bool onednn_conv_fits(const at::Tensor&, const at::Tensor&) { return false; }
at::Tensor onednn_conv2d(const at::Tensor&, const at::Tensor&, const at::Tensor&, std::int64_t, ConvWeights&) {
  throw std::logic_error("munit was built without oneDNN");
}

}  // namespace munit::model

#endif
