// FunctionRef: a non-owning reference to a callable.
//
// Cheaper than std::function on the evaluator's hot path: no allocation and
// one indirect call. It refers to the callable, so it must not outlive it;
// passing a lambda straight into a call taking a FunctionRef is the intended
// use.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace kwok::expr::jq {

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> && std::is_invocable_r_v<R, F&, Args...>)
      FunctionRef(F&& f)
  noexcept  // NOLINT: implicit by design
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace kwok::expr::jq
