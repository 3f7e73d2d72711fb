from mixpeek_tools.cli.main import main

main()
