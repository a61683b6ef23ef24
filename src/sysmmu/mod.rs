//! Exynos SysMMU decoding: registers, page-table formats, memory sources, walks. Knows nothing of boots.
