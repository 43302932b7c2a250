// BufferArea: a fixed block of packet buffers, left uninitialised so pages cost memory only once a
// burst actually uses them (an idle interface stays small).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace anymesh {

class BufferArea {
 public:
  explicit BufferArea(std::size_t bytes) : data_(new std::uint8_t[bytes]), size_(bytes) {}
  std::uint8_t* data() { return data_.get(); }
  const std::uint8_t* data() const { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_;
};

}  // namespace anymesh
