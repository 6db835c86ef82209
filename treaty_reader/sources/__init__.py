"""The source formats a treaty text can be written in; ``treaty_reader.importer`` picks one."""
