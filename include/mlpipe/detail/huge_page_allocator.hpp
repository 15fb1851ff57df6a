#pragma once
// An allocator for large buffers that are filled once, front to back (the columns read_csv
// builds, the windows it reads a file into). On Linux, a buffer of at least
// huge_page_min_bytes is mapped on a 2 MiB boundary and transparent huge pages are asked for
// (madvise), so that filling it takes one page fault per 2 MiB instead of one per 4 KiB. On
// the virtual machines we measured, a 4 KiB first touch costs 2 to 10 us: 160 MB touched
// page by page took 0.08-0.43 s, in huge pages 0.01 s (0.04-0.3 s while the guest had none).
//
// Only the huge pages a buffer's bytes reach are ever touched, so the memory it costs over
// the bytes written is at most the rest of the last huge page (under 2 MiB). Smaller
// buffers, other systems and ASan/MSan/HWASan builds (which check heap buffers' bounds) take
// std::allocator. Where THP is off the hint is ignored and the buffer is an ordinary mapping.
// With THP's defrag setting at madvise (the kernel's default), a fault waits for the kernel
// to compact memory when no free huge page is left: MLPIPE_HUGE_PAGES=0 in the environment
// turns the mappings and the hints off for the process.
//
// The choice is made per translation unit's build flags: link sanitizer-built and plain code
// that share these buffers only if both build the same way.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_HWADDRESS__)
#define MLPIPE_HEAP_IS_CHECKED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(hwaddress_sanitizer)
#define MLPIPE_HEAP_IS_CHECKED 1
#endif
#endif

namespace mlpipe::detail {

inline constexpr std::size_t huge_page_bytes = std::size_t{1} << 21;
// From 3 MiB up: a 1M-row float32 column (4 MB) takes huge pages, and a buffer filled to its
// size costs at most half as much again.
inline constexpr std::size_t huge_page_min_bytes = std::size_t{3} << 20;

// False when the environment says MLPIPE_HUGE_PAGES=0. Read once, so that a buffer is freed
// the way it was allocated.
inline bool huge_pages_wanted() noexcept {
    static const bool wanted = [] {
        const char* value = std::getenv("MLPIPE_HUGE_PAGES");
        return value == nullptr || std::strcmp(value, "0") != 0;
    }();
    return wanted;
}

// Whether a buffer of `bytes` is mapped on its own (map_huge_pages) rather than taken from
// the heap. allocate and deallocate must agree, so both ask this.
inline bool uses_huge_pages(std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE) && !defined(MLPIPE_HEAP_IS_CHECKED)
    return bytes >= huge_page_min_bytes && huge_pages_wanted();
#else
    (void)bytes;
    return false;
#endif
}

constexpr std::size_t round_up_to_huge_pages(std::size_t bytes) noexcept {
    return (bytes + huge_page_bytes - 1) & ~(huge_page_bytes - 1);
}

#if defined(__linux__) && defined(MADV_HUGEPAGE)
// `bytes` rounded up to whole huge pages, mapped at a huge-page boundary: one mapping of a
// huge page more than needed, whose unaligned head and tail are unmapped again.
inline void* map_huge_pages(std::size_t bytes) {
    const std::size_t length = round_up_to_huge_pages(bytes);
    if (length < bytes || length + huge_page_bytes < length) throw std::bad_alloc();
    void* mapped = ::mmap(nullptr, length + huge_page_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    const auto base = reinterpret_cast<std::uintptr_t>(mapped);
    const std::uintptr_t aligned = (base + huge_page_bytes - 1) & ~std::uintptr_t{huge_page_bytes - 1};
    if (aligned > base) (void)::munmap(mapped, aligned - base);
    const std::uintptr_t end = base + length + huge_page_bytes;
    if (end > aligned + length) (void)::munmap(reinterpret_cast<void*>(aligned + length), end - aligned - length);
    (void)::madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);  // a hint: fine to fail
    return reinterpret_cast<void*>(aligned);
}

inline void unmap_huge_pages(void* data, std::size_t bytes) noexcept {
    (void)::munmap(data, round_up_to_huge_pages(bytes));
}
#endif

// For a heap buffer about to be filled (a std::vector's reserved room, an Eigen matrix): asks
// for huge pages over the whole huge pages inside it, whose ends are not at huge-page
// boundaries. A hint, ignored where THP is off.
inline void advise_huge_pages(const void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes < huge_page_min_bytes || !huge_pages_wanted()) return;
    const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(data) + huge_page_bytes - 1) & ~(huge_page_bytes - 1);
    const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(huge_page_bytes - 1);
    if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

template <class T>
class HugePageAllocator {
public:
    using value_type = T;

    HugePageAllocator() noexcept = default;
    template <class U>
    HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (uses_huge_pages(n * sizeof(T))) return static_cast<T*>(map_huge_pages(n * sizeof(T)));
#endif
        return std::allocator<T>().allocate(n);
    }

    void deallocate(T* data, std::size_t n) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (uses_huge_pages(n * sizeof(T))) {
            unmap_huge_pages(data, n * sizeof(T));
            return;
        }
#endif
        std::allocator<T>().deallocate(data, n);
    }

    template <class U>
    bool operator==(const HugePageAllocator<U>&) const noexcept {
        return true;
    }
};

// What a unique_ptr<T[]> needs to own an array from HugePageAllocator<T>.
template <class T>
struct HugePageArrayDeleter {
    std::size_t count = 0;
    void operator()(T* data) const noexcept { HugePageAllocator<T>().deallocate(data, count); }
};

template <class T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace mlpipe::detail
