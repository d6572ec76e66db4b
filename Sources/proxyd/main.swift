print("proxyd")
