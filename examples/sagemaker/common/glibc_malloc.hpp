#pragma once
// Whether this build's malloc is glibc's: MLPIPE_SAGEMAKER_GLIBC_MALLOC is 1 on Linux with
// glibc, 0 elsewhere and in sanitizer builds, whose allocators take malloc's place and read
// neither mallopt nor GLIBC_TUNABLES' malloc settings. The program's start-up
// (cpu_check.cpp), train's memory settings and their tests ask it alike.

#include <cstdlib>  // defines __GLIBC__ (through <features.h>), which the test below reads

#if defined(__linux__) && defined(__GLIBC__)
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(__SANITIZE_HWADDRESS__)
#define MLPIPE_SAGEMAKER_GLIBC_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(hwaddress_sanitizer)
#define MLPIPE_SAGEMAKER_GLIBC_MALLOC 0
#endif
#endif
#ifndef MLPIPE_SAGEMAKER_GLIBC_MALLOC
#define MLPIPE_SAGEMAKER_GLIBC_MALLOC 1
#endif
#else
#define MLPIPE_SAGEMAKER_GLIBC_MALLOC 0
#endif
