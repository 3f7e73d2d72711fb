"""OpenAI Whisper API transcription."""
