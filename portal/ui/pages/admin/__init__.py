"""管理 > ダッシュボード, one module per tab (``overview``, ``due_dates``, ``people``, ``quiz_stats``,
``sandbox_usage``, ``exports``: the modules of ``portal.stats`` they draw), the page itself in
``dashboard`` and what the tabs share in ``common``."""
