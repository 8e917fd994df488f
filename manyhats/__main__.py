from manyhats.cli import main

main()
