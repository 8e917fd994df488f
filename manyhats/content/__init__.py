"""The content room: media library (assets, renditions, subtitles); posts and the calendar later."""
