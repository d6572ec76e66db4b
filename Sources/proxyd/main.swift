ProxydCommand.main()
