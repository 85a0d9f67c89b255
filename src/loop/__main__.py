from loop.cli.main import main

main()
