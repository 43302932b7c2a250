// Result<T, E>: a value or a reason, for decoders of untrusted bytes (no exceptions on the packet path).
#pragma once

#include <utility>
#include <variant>

namespace anymesh {

template <typename E>
struct Failure {
  E reason;
};

template <typename E>
Failure<E> fail(E reason) {
  return Failure<E>{reason};
}

template <typename T, typename E>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Failure<E> f) : v_(std::in_place_index<1>, f.reason) {}     // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  E error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace anymesh
