#pragma once
// Every error mlpipe throws derives from mlpipe::error, so callers can catch one type.
// Messages name what was wrong and where (file, line, column, field, value).

#include <cstddef>
#include <stdexcept>
#include <string>

namespace mlpipe {

class error : public std::runtime_error {
public:
    // A NUL byte quoted from the input is written as \0: what() is a C string, so a raw
    // NUL would end the message there for everyone who prints it.
    explicit error(const std::string& what) : std::runtime_error(without_nul(what)) {}
    explicit error(const char* what) : std::runtime_error(what) {}

private:
    static std::string without_nul(const std::string& text) {
        if (text.find('\0') == std::string::npos) return text;
        std::string out;
        out.reserve(text.size() + 8);
        for (char c : text) {
            if (c == '\0') out += "\\0";
            else out += c;
        }
        return out;
    }
};

// A method that needs fitted state was called before fit (sklearn's NotFittedError).
class not_fitted_error : public error {
public:
    explicit not_fitted_error(const std::string& component)
        : error(component + " is not fitted yet: call fit before using it") {}
};

// Input data does not fit what a component expects (columns, kinds, values).
class data_error : public error {
public:
    using error::error;
};

// A CSV file or buffer could not be read; carries where the problem is.
class csv_error : public error {
public:
    csv_error(std::string source, std::size_t line, std::size_t column, std::string column_name,
              const std::string& what)
        : error(format(source, line, column, column_name, what)),
          source_(std::move(source)),
          line_(line),
          column_(column),
          column_name_(std::move(column_name)) {}

    const std::string& source() const noexcept { return source_; }
    std::size_t line() const noexcept { return line_; }      // 1-based; 0 when not known
    std::size_t column() const noexcept { return column_; }  // 1-based field index; 0 when not known
    const std::string& column_name() const noexcept { return column_name_; }

private:
    static std::string format(const std::string& source, std::size_t line, std::size_t column,
                              const std::string& column_name, const std::string& what) {
        std::string where = source;
        if (line > 0) where += ":" + std::to_string(line);
        if (column > 0) {
            where += ": column " + std::to_string(column);
            if (!column_name.empty()) where += " ('" + column_name + "')";
        }
        return where + ": " + what;
    }

    std::string source_;
    std::size_t line_;
    std::size_t column_;
    std::string column_name_;
};

// A model file is missing, truncated, corrupted or holds another model type.
class model_file_error : public error {
public:
    using error::error;
};

// Hyper-parameters that cannot work (C <= 0, max_iter < 1, ...).
class parameter_error : public error {
public:
    using error::error;
};

// The device a backend computes on cannot take the fit: no usable device, or too little
// device memory for the data. Its message starts "no CUDA device:" and says which. A fit with
// Backend::automatic catches it and runs on the next backend instead.
class device_error : public error {
public:
    using error::error;
};

}  // namespace mlpipe
