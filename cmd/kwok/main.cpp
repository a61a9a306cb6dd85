int main() { return 1; }  // written by the component's author
