#!/usr/bin/env python3
"""Django's command-line utility for the rendition example (run it with /usr/bin/python3)."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gallery.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
