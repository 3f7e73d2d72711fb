from mixpeek_tools.cli.entry import main

main()
