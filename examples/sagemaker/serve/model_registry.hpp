#pragma once
// The models of a multi-model endpoint (README.md, "Multi-model endpoints"), by name.
//
// A load is three steps, so that the slow middle one holds no lock: reserve() claims the
// name and its share of the memory budget (a second load of the same name, or one that
// would overfill the budget, is refused at once), the caller loads the model, then
// commit() makes it visible, or cancel() gives the name and the bytes back. Readers take a
// shared_ptr copy with find(): remove() only drops the registry's own reference, so the
// requests in flight on a model being unloaded finish with theirs.
//
// Holds no process state, so that it can be tested on its own (with any model type).

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlpipe::sagemaker {

// Whether `name` may name a model: 1 to 256 bytes of visible ASCII other than '/' and '\',
// and not "." or "..". Routes are /models/{name}[/invoke], so a '/' would make them
// ambiguous; the name is never used as a path, but a name that reads like one is refused
// all the same.
inline bool valid_model_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 256 || name == "." || name == "..") return false;
    for (const char c : name)
        if (c <= ' ' || c > '~' || c == '/' || c == '\\') return false;
    return true;
}

template <class LoadedModel>
class ModelRegistry {
public:
    // max_bytes: the memory budget, nothing for none.
    explicit ModelRegistry(std::optional<std::size_t> max_bytes = std::nullopt) : max_bytes_(max_bytes) {}
    ModelRegistry(const ModelRegistry&) = delete;
    ModelRegistry& operator=(const ModelRegistry&) = delete;

    // larger_than_budget: the model alone is larger than the whole budget, so unloading
    // others cannot make room (SageMaker answers 507 by unloading models and retrying).
    enum class Reservation { reserved, already_present, over_budget, larger_than_budget };
    enum class Removal { removed, not_found, still_loading };

    struct Entry {
        std::string name;
        std::string url;
    };

    struct Page {
        std::vector<Entry> entries;
        std::optional<std::string> next_after;  // the name the next page starts after
    };

    // Claims `name` for a model of `bytes` from `url`. already_present when the name is
    // loaded or being loaded; larger_than_budget when `bytes` alone pass the budget;
    // over_budget when the loaded and loading models' bytes plus these would pass it.
    Reservation reserve(const std::string& name, const std::string& url, std::size_t bytes) {
        const std::lock_guard lock(mutex_);
        if (slots_.contains(name)) return Reservation::already_present;
        if (max_bytes_ && bytes > *max_bytes_) return Reservation::larger_than_budget;
        if (max_bytes_ && bytes_in_use_ > *max_bytes_ - bytes) return Reservation::over_budget;
        slots_.emplace(name, Slot{url, bytes, nullptr});
        bytes_in_use_ += bytes;
        return Reservation::reserved;
    }

    // Makes the model reserved under `name` visible; false (and nothing changes) when
    // `name` was not reserved or is already committed.
    bool commit(const std::string& name, std::shared_ptr<const LoadedModel> model) {
        const std::lock_guard lock(mutex_);
        const auto found = slots_.find(name);
        if (found == slots_.end() || found->second.model || !model) return false;
        found->second.model = std::move(model);
        return true;
    }

    // Gives back a reservation whose load failed; a committed model is left alone.
    void cancel(const std::string& name) {
        const std::lock_guard lock(mutex_);
        const auto found = slots_.find(name);
        if (found == slots_.end() || found->second.model) return;
        bytes_in_use_ -= found->second.bytes;
        slots_.erase(found);
    }

    // The model loaded under `name`, or null (also while it is being loaded).
    std::shared_ptr<const LoadedModel> find(const std::string& name) const {
        const std::lock_guard lock(mutex_);
        const auto found = slots_.find(name);
        return found == slots_.end() ? nullptr : found->second.model;
    }

    // The url of the model loaded under `name`, or nothing.
    std::optional<std::string> url_of(const std::string& name) const {
        const std::lock_guard lock(mutex_);
        const auto found = slots_.find(name);
        if (found == slots_.end() || !found->second.model) return std::nullopt;
        return found->second.url;
    }

    // Unloads `name`: its bytes return to the budget now, and the model itself is freed
    // when the last request holding it finishes.
    Removal remove(const std::string& name) {
        std::shared_ptr<const LoadedModel> released;  // freed after the lock is let go
        const std::lock_guard lock(mutex_);
        const auto found = slots_.find(name);
        if (found == slots_.end()) return Removal::not_found;
        if (!found->second.model) return Removal::still_loading;
        released = std::move(found->second.model);
        bytes_in_use_ -= found->second.bytes;
        slots_.erase(found);
        return Removal::removed;
    }

    // Up to `page_size` loaded models in name order, from the first name after `after`
    // (from the start when nothing); next_after is set when more follow. Paging by name
    // keeps a page's place when models are loaded or unloaded between calls.
    Page list(const std::optional<std::string>& after, std::size_t page_size) const {
        const std::lock_guard lock(mutex_);
        Page page;
        for (auto at = after ? slots_.upper_bound(*after) : slots_.begin(); at != slots_.end(); ++at) {
            if (!at->second.model) continue;
            if (page.entries.size() == page_size) {
                page.next_after = page.entries.back().name;
                break;
            }
            page.entries.push_back({at->first, at->second.url});
        }
        return page;
    }

    std::size_t bytes_in_use() const {
        const std::lock_guard lock(mutex_);
        return bytes_in_use_;
    }
    std::optional<std::size_t> max_bytes() const noexcept { return max_bytes_; }

private:
    struct Slot {
        std::string url;
        std::size_t bytes = 0;
        std::shared_ptr<const LoadedModel> model;  // null while loading
    };

    const std::optional<std::size_t> max_bytes_;
    mutable std::mutex mutex_;
    std::map<std::string, Slot> slots_;
    std::size_t bytes_in_use_ = 0;  // of loaded and loading models
};

}  // namespace mlpipe::sagemaker
