"""Write curate/langid/profile_tables.npz from the installed langdetect's profiles.

    python -m curate.langid.build_tables

Run it after changing how model.profile_parts() builds the tables or the layout constants
(model.LAYOUT): tests/langid/test_model.py fails until the file matches profile_parts() again.
"""

from __future__ import annotations

from curate.langid import model


def main() -> None:
    model.write_tables()
    print(f"wrote {model.TABLES_FILE} ({model.TABLES_FILE.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
